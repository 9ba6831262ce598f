"""The ingress benchmark's wrk driver: the command it runs and how it reads wrk's report."""
from __future__ import annotations

from tests.perf import wrk

REPORT = ('Requests/sec:  1000.00\n{"requests": 1010, "duration_us": 2000000, "connect": 0, "read": 3, "write": 0, '
          '"status": 10, "timeout": 0, "p50_us": 850, "p90_us": 1500, "p99_us": 4200}\n')


def test_new_connection_mode_asks_the_server_to_close_and_keep_alive_does_not():
    assert "Connection: close" in wrk.command("http://10.250.0.12/", "new", 3, 64)
    keepalive = wrk.command("http://10.250.0.12/", "keepalive", 3, 64)
    assert "Connection: close" not in keepalive
    assert keepalive[-1] == "http://10.250.0.12/" and "64" in keepalive and "3s" in keepalive


def test_non_2xx_answers_are_not_counted_as_requests_and_errors_are_kept():
    run = wrk.parse(REPORT)
    assert run["requests"] == 1000 and run["seconds"] == 2.0
    assert run["errors"] == {"read": 3, "status": 10}
    assert (run["p50_ms"], run["p90_ms"], run["p99_ms"]) == (0.85, 1.5, 4.2)


def test_summary_is_requests_per_second_over_all_runs():
    runs = [{**wrk.parse(REPORT), "cpu_s": 0.01}, {**wrk.parse(REPORT), "cpu_s": 0.01}]
    out = wrk.summary(runs)
    assert out["rps"] == 500.0 and out["requests"] == 2000
    assert out["errors"] == {"read": 6, "status": 20} and out["wrk_cpu_us_per_request"] == 10.0
