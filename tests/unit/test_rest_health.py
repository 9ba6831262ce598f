"""The health endpoints' reports in kube-apiserver's words."""
from __future__ import annotations

import asyncio

from controlplane.apiserver.rest import health


def test_a_healthy_report_is_ok_and_verbose_lists_every_check():
    results = [("ping", True), ("etcd", True)]
    assert health.report("livez", results, False) == (200, "ok")
    assert health.report("livez", results, True) == (200, "[+]ping ok\n[+]etcd ok\nlivez check passed\n")


def test_a_failed_check_is_a_500_naming_it_and_an_excluded_one_reads_excluded():
    status, text = health.report("readyz", [("ping", True), ("etcd", False), ("log", None)], False)
    assert status == 500
    assert text == "[+]ping ok\n[-]etcd failed: reason withheld\n[+]log excluded: ok\nreadyz check failed\n"


def test_etcd_that_does_not_answer_fails_its_check():
    class Down:
        async def current_revision(self):
            raise ConnectionError("etcd down")

    results = asyncio.run(health.run(health.checks("healthz", Down()), {"log"}))
    assert results == [("ping", True), ("log", None), ("etcd", False)]
