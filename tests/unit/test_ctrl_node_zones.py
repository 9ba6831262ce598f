"""Node lifecycle's zone decisions, from Kubernetes' node lifecycle controller: a zone's disruption state
from its nodes' Ready statuses, the tainting rate each state allows, master disruption, the rate limiter."""
from __future__ import annotations

import math

import pytest

from controlplane.controllers.nodelifecycle import zones
from tests.fixtures.objects import node

RATES = zones.Rates()  # Kubernetes' defaults


@pytest.mark.parametrize("statuses, state", [
    ([], zones.NORMAL),
    (["True"], zones.NORMAL),
    (["Unknown"], zones.FULL_DISRUPTION),
    (["False", "Unknown"], zones.FULL_DISRUPTION),
    (["True", "Unknown", "Unknown"], zones.NORMAL),  # not more than 2 not Ready
    (["True", "Unknown", "Unknown", "False"], zones.PARTIAL_DISRUPTION),  # 3 of 4
    (["True", "True", "Unknown", "Unknown", "Unknown"], zones.PARTIAL_DISRUPTION),  # 0.6 >= 0.55
    (["True", "True", "True", "Unknown", "Unknown", "Unknown"], zones.NORMAL),  # 0.5 < 0.55
])
def test_zone_state_from_its_nodes_ready_statuses(statuses, state):
    assert zones.zone_state(statuses, RATES.unhealthy_zone_threshold) == state


def test_partial_disruption_slows_tainting_in_large_zones_and_stops_it_in_small_ones():
    assert zones.tainting_rate(zones.NORMAL, 3, RATES) == 0.1
    assert zones.tainting_rate(zones.FULL_DISRUPTION, 3, RATES) == 0.1  # one zone down, others up
    assert zones.tainting_rate(zones.PARTIAL_DISRUPTION, 51, RATES) == 0.01
    assert zones.tainting_rate(zones.PARTIAL_DISRUPTION, 50, RATES) == 0.0


def test_master_disruption_only_when_every_zone_is_fully_disrupted():
    assert not zones.master_disruption({})
    assert zones.master_disruption({"": zones.FULL_DISRUPTION})
    assert not zones.master_disruption({"a": zones.FULL_DISRUPTION, "b": zones.NORMAL})


def test_token_bucket_gives_one_at_once_then_one_per_period_and_none_at_rate_zero():
    bucket = zones.TokenBucket(0.1, now=100.0)
    assert bucket.take(100.0) == 0.0
    assert bucket.take(101.0) == pytest.approx(9.0)
    assert bucket.take(110.0) == 0.0
    assert zones.TokenBucket(0.0, now=0.0).take(1e6) == math.inf


def test_zone_key_joins_region_and_zone_labels_new_or_beta():
    assert zones.zone_key(node("n")) == ""
    assert zones.zone_key(node("n", labels={"topology.kubernetes.io/region": "r",
                                            "topology.kubernetes.io/zone": "z"})) == "r:\x00:z"
    assert zones.zone_key(node("n", labels={"failure-domain.beta.kubernetes.io/zone": "z"})) == ":\x00:z"
