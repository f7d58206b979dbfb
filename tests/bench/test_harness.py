"""The benchmark harness's own pieces: the bench plugin's large return, /proc readings, profiles."""

from __future__ import annotations

import os
from pathlib import Path

from bench.procstat import cpu_seconds, find_pids, rss_kib, snapshot
from bench.run import memory_summary, summarise_profile
from services.functions.plugins.bench import CONTENTS, MAX_MODULES, make_contents, plugin
from shared.external import clean_returnvalue, compile_returns, configure


def test_contents_is_a_valid_course_of_the_asked_size() -> None:
    configure(wwwroot="http://127.0.0.1:8000")
    course = make_contents(100, "http://127.0.0.1:8000")
    assert len(course) == 10
    assert sum(len(s["modules"]) for s in course) == 100
    # Both the compiled cleaner (the gateway's) and the reference interpreter accept it.
    assert compile_returns(CONTENTS)(course) == clean_returnvalue(CONTENTS, course)
    assert sum(len(s["modules"]) for s in make_contents(95)) == 95


def test_the_plugin_declares_both_functions_in_its_service() -> None:
    assert set(plugin.functions) == {"local_bench_sum", "local_bench_contents"}
    for fdef in plugin.functions.values():
        assert list(fdef.info.services) == ["local_bench"]
    assert MAX_MODULES >= 300


def test_proc_readings_of_this_process() -> None:
    pid = os.getpid()
    before = cpu_seconds(pid)
    sum(i * i for i in range(300_000))  # burn a little CPU
    assert cpu_seconds(pid) >= before
    assert (rss_kib(pid) or 0) > 1000
    assert snapshot({"me": [pid]})["me"] > 0
    assert cpu_seconds(2**22 + 12345) == 0.0  # no such process
    assert rss_kib(2**22 + 12345) is None
    assert find_pids("no-such-command-name") == []


def test_profile_summary_counts_own_and_inclusive_samples(tmp_path: Path) -> None:
    raw = tmp_path / "profile.txt"
    raw.write_text(
        "main (a.py:1);handle (services/gateway/rest.py:9);encode (aiormq/x.py:3) 6\n"
        "main (a.py:1);handle (services/gateway/rest.py:12) 4\n"
    )
    summary = summarise_profile(raw)
    assert summary["samples"] == 10
    assert summary["own"][0] == {"function": "encode (aiormq/x.py)", "samples": 6, "share": 0.6}
    inclusive = {row["function"]: row["samples"] for row in summary["inclusive"]}
    assert inclusive["handle (services/gateway/rest.py)"] == 10
    areas = {row["function"]: row["share"] for row in summary["own_by_area"]}
    assert areas == {
        "AMQP client (aio-pika/aiormq/pamqp)": 0.6,
        "gateway code (services/gateway)": 0.4,
    }


def test_memory_summary_ignores_the_warm_up_tenth() -> None:
    samples = [{"t": i, "gateway": 1024 * (100 if i == 0 else 50)} for i in range(20)]
    assert memory_summary(samples)["gateway"] == {
        "samples": 20,
        "start_mib": 50.0,
        "end_mib": 50.0,
        "peak_mib": 50.0,
        "growth_mib": 0.0,
    }
