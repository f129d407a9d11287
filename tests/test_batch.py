"""gapsolver batch: the runs a spec plans, storage, resume after SIGKILL, failure isolation, export,
plots, and a Dask cluster storing exactly what local workers store."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from conftest import pledge, req, scenario_data
from typer.testing import CliRunner

from gapsolver.batch.export import read_table
from gapsolver.batch.plan import plan_tasks
from gapsolver.batch.run import local_executor, run_batch
from gapsolver.batch.store import connect
from gapsolver.cli import app
from gapsolver.exceptions import InputError

runner = CliRunner()
TIMING = {"wall_time", "solve_time", "worker", "finished_at"}


def write_study(folder: Path, **spec_extra) -> Path:
    scenario = scenario_data(
        [req("R1", priority="critical"), req("R2", mission="M2", quantity=2)],
        [
            pledge("P1", reliability=0.6),
            pledge("P2", state="CCC", quantity=2, reliability=0.9),
            pledge("P3", state="DDD", caveats={"only_missions": ["M2"]}),
        ],
    )
    (folder / "study.yaml").write_text(yaml.safe_dump(scenario, sort_keys=False))
    (folder / "variants.yaml").write_text(
        yaml.safe_dump(
            {
                "variants": [
                    {"name": "no-ccc", "changes": [{"remove": {"states": ["CCC"]}}]},
                    {"name": "p1-late", "changes": [{"shift": {"pledges[P1].available_from": 30}}]},
                ]
            }
        )
    )
    spec = {
        "name": "test-study",
        "scenarios": ["study.yaml"],
        "variants": {"file": "variants.yaml"},
        "sweeps": [{"name": "p3", "parameter": "pledges[P3].quantity", "values": [0, 1, 2]}],
        "strategies": ["optimal", "greedy"],
        "robustness": {"samples": 3, "seed": 4},
    } | spec_extra
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def rows_without_timing(database: Path) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in TIMING} for row in read_table(database)]


def test_the_spec_plans_every_combination(tmp_path: Path) -> None:
    tasks = plan_tasks(write_study(tmp_path)).tasks
    # 1 scenario × (base + 2 variants + 3 sweep values) × 2 strategies × (nominal + 3 samples)
    assert len(tasks) == 6 * 2 * 4
    assert len({task.key for task in tasks}) == len(tasks)

    assert {task.case.name for task in tasks} == {
        "base",
        "no-ccc",
        "p1-late",
        "p3=0",
        "p3=1",
        "p3=2",
    }
    again = plan_tasks(tmp_path / "spec.yaml").tasks
    assert [task.key for task in again] == [task.key for task in tasks]  # stable keys


def test_a_variant_equal_to_a_sweep_point_is_its_own_run(tmp_path: Path) -> None:
    spec = write_study(tmp_path, robustness=None, strategies=["optimal"])
    (tmp_path / "variants.yaml").write_text(
        yaml.safe_dump(
            {"variants": [{"name": "p3-two", "changes": [{"set": {"pledges[P3].quantity": 2}}]}]}
        )
    )
    database = tmp_path / "results.db"
    summary = run_batch(spec, database, local_executor(1))
    rows = {row["case_name"]: row for row in read_table(database)}
    assert summary.planned == len(rows) == 5  # base, p3-two, p3=0, p3=1, p3=2
    assert rows["p3-two"]["inputs_sha256"] == rows["p3=2"]["inputs_sha256"]
    assert rows["p3-two"]["run_key"] != rows["p3=2"]["run_key"]


def _failing_without_ccc(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every solve of a scenario without CCC's pledge fail, as a solver error would."""
    import gapsolver.batch.worker
    from gapsolver.exceptions import SolverError

    solve = gapsolver.batch.worker.solve_scenario

    def flaky(scenario, options=None, reasons=True):  # type: ignore[no-untyped-def]
        if not any(p.state == "CCC" for p in scenario.pledges):
            raise SolverError("highs failed (simulated)")
        return solve(scenario, options, reasons)

    monkeypatch.setattr(gapsolver.batch.worker, "solve_scenario", flaky)


def test_runs_are_stored_failures_isolated_and_a_rerun_skips_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = write_study(tmp_path)
    database = tmp_path / "results.db"
    _failing_without_ccc(monkeypatch)
    summary = run_batch(spec, database, local_executor(1))
    assert (summary.planned, summary.skipped, summary.ran) == (48, 0, 48)
    rows = read_table(database)
    assert len(rows) == 48
    failed = [row for row in rows if row["status"] == "failed"]
    # the no-ccc case, and the samples where P2 (reliability 0.9) did not materialize
    assert {row["case_name"] for row in failed} >= {"no-ccc"}
    assert all(row["case_name"] != "no-ccc" or row["status"] == "failed" for row in rows) and all(
        row["sample"] is not None for row in failed if row["case_name"] != "no-ccc"
    )
    assert "highs failed (simulated)" in failed[0]["error"]
    ok = [row for row in rows if row["status"] == "ok"]
    base = next(
        r
        for r in ok
        if r["case_name"] == "base" and r["strategy"] == "optimal" and r["sample"] is None
    )
    assert (base["weighted_gap"], base["gap_units"]) == (0.0, 0)
    gaps = read_table(database, "requirement_gaps")
    assert len(gaps) == 2 * len(ok)  # two requirements per finished run
    assert all(row["inputs_sha256"] for row in ok)

    again = run_batch(spec, database, local_executor(1))
    assert (again.skipped, again.ran) == (48, 0)
    monkeypatch.undo()
    retried = run_batch(spec, database, local_executor(1), retry_failed=True)
    assert retried.ran == len(failed) and not retried.failed
    assert len(read_table(database)) == 48
    no_ccc = next(
        r
        for r in read_table(database)
        if r["case_name"] == "no-ccc" and r["strategy"] == "optimal" and r["sample"] is None
    )
    assert (no_ccc["weighted_gap"], no_ccc["gap_units"]) == (1.0, 1)  # P1 → R1, P3 → R2 once


def test_a_variant_that_cannot_apply_is_refused_before_anything_runs(tmp_path: Path) -> None:
    spec = write_study(tmp_path)
    (tmp_path / "variants.yaml").write_text(
        "variants:\n"
        "  - name: fine\n"
        "    changes: [{remove: {states: [CCC]}}]\n"
        "  - name: broken\n"
        "    changes:\n"
        '      - set: {"pledges[NOPE].quantity": 1}\n'
    )
    database = tmp_path / "results.db"
    result = runner.invoke(app, ["batch", str(spec), "-o", str(database)])
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert f"{tmp_path / 'variants.yaml'}:6: variants[1].changes[0].set" in text
    assert "no pledge matches 'NOPE' (variant 'broken', on study.yaml)" in text
    assert not database.exists()


def test_robust_runs_in_a_batch_are_deterministic(tmp_path: Path) -> None:
    spec = write_study(tmp_path)
    run_batch(spec, tmp_path / "a.db", local_executor(1))
    run_batch(spec, tmp_path / "b.db", local_executor(2))
    assert rows_without_timing(tmp_path / "a.db") == rows_without_timing(tmp_path / "b.db")


def _start_and_interrupt(
    command: list[str], database: Path, sig: signal.Signals
) -> subprocess.Popen:
    """Start a batch in its own process group and send ``sig`` to the group (as a terminal's Ctrl-C
    does) or to the process (kill -9) once ten runs are stored."""
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if database.exists():
            try:
                with sqlite3.connect(database) as peek:
                    if peek.execute("SELECT count(*) FROM runs").fetchone()[0] >= 10:
                        break
            except sqlite3.OperationalError:
                pass
        time.sleep(0.01)
    assert process.poll() is None, "the batch finished before it could be interrupted"
    if sig == signal.SIGINT:
        os.killpg(process.pid, sig)
    else:
        os.kill(process.pid, sig)
    return process


def _big_spec(tmp_path: Path) -> Path:
    generated = tmp_path / "big.yaml"
    made = runner.invoke(app, ["generate", "-o", str(generated), "--pledges", "300", "--seed", "5"])
    assert made.exit_code == 0
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        yaml.safe_dump(
            {
                "scenarios": ["big.yaml"],
                "strategies": ["optimal", "greedy"],
                "robustness": {"samples": 59, "seed": 3},
            }
        )
    )
    return spec


def _batch_command(spec: Path, database: Path) -> list[str]:
    arguments = ["batch", str(spec), "-o", str(database), "--workers", "2"]
    return [sys.executable, "-m", "gapsolver.cli", *arguments]


@pytest.mark.slow  # a real batch process, stopped and run again
def test_ctrl_c_stops_promptly_and_the_rerun_finishes(tmp_path: Path) -> None:
    spec = _big_spec(tmp_path)
    database = tmp_path / "interrupted.db"
    command = _batch_command(spec, database)
    process = _start_and_interrupt(command, database, signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert "run the same command again" in " ".join(err.split())
    with sqlite3.connect(database) as check:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = check.execute("SELECT count(*) FROM runs").fetchone()[0]
    resumed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{stored} already in" in " ".join(resumed.stdout.split())
    assert len(read_table(database)) == 120


@pytest.mark.slow  # a real batch process, stopped and run again
def test_resume_after_sigkill_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    spec = _big_spec(tmp_path)
    database = tmp_path / "killed.db"
    command = _batch_command(spec, database)
    process = _start_and_interrupt(command, database, signal.SIGKILL)
    # the workers hold the same output pipes: they close once the orphaned workers have exited
    process.communicate(timeout=30)
    with sqlite3.connect(database) as check:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        interrupted = check.execute("SELECT count(*) FROM runs").fetchone()[0]
    assert 10 <= interrupted < 120

    resumed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{interrupted} already in" in resumed.stdout
    rows = read_table(database)
    assert len(rows) == 120 and len({row["run_key"] for row in rows}) == 120
    assert all(row["status"] == "ok" for row in rows)

    clean = tmp_path / "clean.db"
    run_batch(spec, clean, local_executor(2))
    assert rows_without_timing(database) == rows_without_timing(clean)


@pytest.mark.slow  # starts a Dask cluster
def test_dask_cluster_stores_the_same_results_as_local_workers(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    spec = write_study(tmp_path)
    run_batch(spec, tmp_path / "local.db", local_executor(2))
    from gapsolver.batch.run import dask_executor

    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        result = runner.invoke(
            app,
            [
                "batch",
                str(spec),
                "-o",
                str(tmp_path / "dask.db"),
                "--dask-scheduler",
                cluster.scheduler_address,
            ],
        )
        assert result.exit_code == 0, result.output
        assert "48 run now (0 failed, 0 stopped by the time limit)" in " ".join(
            result.output.split()
        )
        assert dask_executor  # the executor the CLI used
    assert rows_without_timing(tmp_path / "dask.db") == rows_without_timing(tmp_path / "local.db")
    workers = {row["worker"] for row in read_table(tmp_path / "dask.db")}
    assert len(workers) >= 1


@pytest.mark.slow  # generates and reads a 2,000-pledge scenario
def test_a_run_stopped_by_the_time_limit_keeps_its_plan(tmp_path: Path) -> None:
    generated = tmp_path / "big.yaml"
    made = runner.invoke(
        app, ["generate", "-o", str(generated), "--pledges", "2000", "--seed", "3"]
    )
    assert made.exit_code == 0
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump({"scenarios": ["big.yaml"], "time_limit": 0.05}))
    summary = run_batch(spec, tmp_path / "r.db", local_executor(1))
    assert summary.timed_out == 1 and not summary.failed
    [row] = read_table(tmp_path / "r.db")
    assert (row["status"], row["plan_status"]) == ("time_limit", "feasible")
    assert row["error"] == "time limit reached before the optimum was proven"
    assert row["weighted_gap"] is not None  # the best plan found is kept


def test_export_and_plot(tmp_path: Path) -> None:
    spec = write_study(tmp_path)
    database = tmp_path / "results.db"
    run_batch(spec, database, local_executor(1))
    csv_file, parquet_file, png = (
        tmp_path / "runs.csv",
        tmp_path / "runs.parquet",
        tmp_path / "gaps.png",
    )
    assert (
        runner.invoke(app, ["batch", "export", str(database), "--csv", str(csv_file)]).exit_code
        == 0
    )
    with open(csv_file, newline="") as handle:
        exported = list(csv.DictReader(handle))
    assert len(exported) == 48
    assert [row["run_key"] for row in exported] == [row["run_key"] for row in read_table(database)]
    assert {row["case_name"] for row in exported} >= {"base", "no-ccc", "p1-late", "p3=2"}
    done = runner.invoke(
        app, ["batch", "export", str(database), "--parquet", str(parquet_file), "--gaps"]
    )
    assert done.exit_code == 0, done.output
    table = pq.read_table(parquet_file)
    assert table.num_rows == len(read_table(database, "requirement_gaps"))
    assert table.column_names[:3] == ["run_key", "requirement", "mission"]
    plotted = runner.invoke(app, ["batch", "plot", str(database), "--png", str(png)])
    assert plotted.exit_code == 0, plotted.output
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_bad_specs_are_located_and_nothing_runs(tmp_path: Path) -> None:
    write_study(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        yaml.safe_dump(
            {
                "scenarios": ["study.yaml", "missing-*.yaml"],
                "strategies": ["optimal", "magic"],
            }
        )
    )
    result = runner.invoke(app, ["batch", str(bad), "-o", str(tmp_path / "x.db")])
    assert result.exit_code == 2
    assert "unknown strategies magic" in result.output
    assert not (tmp_path / "x.db").exists()
    files = tmp_path / "files.yaml"
    files.write_text(
        yaml.safe_dump({"scenarios": ["missing-*.yaml"], "variants": {"file": "nope.yaml"}})
    )
    with pytest.raises(InputError) as caught:
        plan_tasks(files)
    rendered = [problem.render(str(files)) for problem in caught.value.problems]
    assert f"{files}:2: scenarios[0]: no file matches 'missing-*.yaml'" in rendered
    assert f"{files}:4: variants.file: nope.yaml: file not found" in rendered
    not_db = tmp_path / "study.yaml"
    assert (
        runner.invoke(
            app, ["batch", "export", str(not_db), "--csv", str(tmp_path / "o.csv")]
        ).exit_code
        == 2
    )
    assert (
        runner.invoke(
            app, ["batch", "export", str(tmp_path / "none.db"), "--csv", "o.csv"]
        ).exit_code
        == 2
    )
    with pytest.raises(InputError):
        connect(tmp_path / "none.db", create=False)
    assert json
