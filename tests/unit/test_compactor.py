"""The compaction lease's decision: only the API server that advanced it compacts, to last turn's revision."""
from controlplane.apiserver.compactor import next_turn


def test_winner_compacts_to_the_revision_seen_one_turn_ago():
    turn = next_turn(seen_version=3, previous_revision=120, won=True, version_now=4, revision_now=250)
    assert (turn.version, turn.revision, turn.compact_to) == (4, 250, 120)


def test_loser_compacts_nothing_and_learns_the_lease():
    turn = next_turn(seen_version=3, previous_revision=120, won=False, version_now=7, revision_now=260)
    assert (turn.version, turn.revision, turn.compact_to) == (7, 260, 0)


def test_first_turn_has_nothing_to_compact():
    assert next_turn(0, 0, True, 1, 10).compact_to == 0
