"""The server garbage-collector settings: start-up objects frozen, young collections rarer, cycles still freed."""
import gc
import weakref

import pytest

from api import gctune


@pytest.fixture
def restored_gc():
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


class Node:
    pass


def test_server_settings_freeze_start_up_objects_and_raise_the_young_threshold(restored_gc):
    gctune.for_server()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] == gctune.YOUNG_THRESHOLD


def test_reference_cycles_made_after_start_up_are_still_freed(restored_gc):
    gctune.for_server()
    a, b = Node(), Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    del a, b
    gc.collect()
    assert gone() is None
