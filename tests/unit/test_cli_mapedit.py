"""label/annotate changes: key=value sets, key- removes, changing a value needs --overwrite."""
from __future__ import annotations

import pytest

from cli.errors import CliError
from cli.mapedit import apply_changes, parse_changes, split_words


def test_parse_sets_and_removals():
    changes = parse_changes(["tier=web", "empty=", "old-"])
    assert changes.set == {"tier": "web", "empty": ""} and changes.remove == ("old",)


def test_words_split_into_objects_and_changes():
    assert split_words(["pod", "a", "b", "x=1", "y-"]) == (["pod", "a", "b"], ["x=1", "y-"])
    assert split_words(["po/a", "x=1"]) == (["po/a"], ["x=1"])


def test_changing_an_existing_value_needs_overwrite():
    current = {"tier": "web"}
    with pytest.raises(CliError, match=r"'tier' already has a value \(web\), and --overwrite is false"):
        apply_changes(current, parse_changes(["tier=db"]), overwrite=False, what="labels")
    assert apply_changes(current, parse_changes(["tier=db"]), overwrite=True, what="labels") == {"tier": "db"}


def test_setting_the_same_value_and_removing_a_missing_key_are_fine():
    assert apply_changes({"a": "1"}, parse_changes(["a=1", "b-"]), overwrite=False, what="labels") == {"a": "1"}


@pytest.mark.parametrize("word", ["novalue", "=x"])
def test_malformed_changes_are_refused(word):
    with pytest.raises(CliError):
        parse_changes([word])
