"""Replay: run a result's command again from its manifest and say what differs.

The stages, in order (docs/replay.md):

1. read the result file and its manifest (a result without one cannot be replayed: InputError);
2. check every input file the manifest names against its SHA-256 (and a CSV folder's tables against
   the folder): a changed, missing or added file is named (InputError, exit 2);
3. run the command again in this process with the recorded options (``solve``: the pipeline;
   ``whatif``, ``robust``, ``compare``: their analyses);
4. compare the new JSON with the recorded one, every value by its JSON path, timings aside
   (:data:`IGNORED_KEYS`); for a plan, also the plan difference of `gapsolver diff`.

``--solver auto`` races HiGHS and CBC, and where optimal plans tie the winner's plan is the one
kept. A solve's result records the winner (``solver``), so its replay runs that solver alone and
gets the recorded plan whichever would win the race today; the other commands race again.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, get_type_hints

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from gapsolver.analysis.alternatives import alternatives
from gapsolver.analysis.api import whatif
from gapsolver.analysis.compare import compare
from gapsolver.analysis.dependence import donation_impact
from gapsolver.analysis.diff import ResultFile, diff_results
from gapsolver.analysis.robust import robust
from gapsolver.analysis.stochastic import (
    Cvar,
    compare_plans,
    evaluate_plan,
    plan_labels,
    read_plan_file,
    stochastic_plan,
)
from gapsolver.backend import SOLVERS
from gapsolver.exceptions import InputError, Problem, SolverError
from gapsolver.postprocess.write import json_text
from gapsolver.preprocess.document import pydantic_problems
from gapsolver.preprocess.load import load_scenario, read_document
from gapsolver.runtime.version import GAPSOLVER_VERSION
from gapsolver.schema import Scenario
from gapsolver.schema.analysis import (
    EnvironmentChange,
    PlanDiff,
    ReplayReport,
    ValueChange,
)
from gapsolver.schema.manifest import (
    InputFile,
    Manifest,
    PlatformInfo,
    file_sha256,
    input_files,
    platform_info,
    solver_info,
)
from gapsolver.schema.result import SolveSettings
from gapsolver.solve.options import SolveOptions
from gapsolver.solve.pipeline import solve_scenario

IGNORED_KEYS = frozenset(
    {
        "manifest",
        "timings",
        "seconds",
        "solve_time",
        "mean_solve_time",
        "elapsed",
        "wall_time",
        "worker",
    }
)
"""Keys left out of the comparison, at any depth: the manifest itself, and wall-clock measurements
(with every key ending in ``_seconds``) and which worker process ran a run."""


# --------------------------------------------------------------------------------------------------
# 1. The result file and its manifest


class _WithManifest(BaseModel):
    """A result file as replay reads it: its manifest, typed; every other key kept as it is."""

    model_config = ConfigDict(extra="allow")

    manifest: Manifest


def read_replayable(path: Path) -> tuple[dict[str, Any], Manifest]:
    """A result file's JSON and its manifest; InputError when the file is unreadable or has no
    manifest (a result from the Python API, or from a gapsolver before manifests)."""
    doc = read_document(path)
    if doc.problems:
        raise InputError(doc.problems, doc.source)
    data = dict(doc.data)
    if data.get("manifest") is None:
        raise InputError(
            [
                Problem(
                    "manifest",
                    "no manifest: only a result a command wrote (solve, whatif, robust, "
                    "compare, with -o or --json) can be replayed",
                )
            ],
            doc.source,
        )
    try:
        manifest = _WithManifest.model_validate(data).manifest
    except ValidationError as error:
        raise InputError(pydantic_problems(error, doc), doc.source) from None
    return data, manifest


# --------------------------------------------------------------------------------------------------
# 2. The inputs, unchanged


def _located(path: str, root: Path | None) -> Path:
    """An input path of the manifest, as given, relative to ``root`` when it is relative and a root
    is given (else to the current folder, as when the command ran)."""
    given = Path(path)
    return given if root is None or given.is_absolute() else root / given


def input_problems(inputs: list[InputFile], root: Path | None, result_file: str) -> list[Problem]:
    """Every input that is not as the manifest recorded it: missing, changed (SHA-256), or a table
    added to a CSV folder since."""
    problems = []
    for recorded in inputs:
        where = str(_located(recorded.path, root))
        file = Path(where)
        if not file.is_file():
            problems.append(
                Problem("", f"missing: the run recorded in {result_file} read it", None, where)
            )
            continue
        digest = file_sha256(file)
        if digest != recorded.sha256:
            problems.append(
                Problem(
                    "",
                    f"changed since the run recorded in {result_file}: SHA-256 {digest[:16]}…, "
                    f"{file.stat().st_size:,} bytes (recorded {recorded.sha256[:16]}…, "
                    f"{recorded.bytes:,} bytes)",
                    None,
                    where,
                )
            )
    folders = {recorded.folder: set[str]() for recorded in inputs if recorded.folder is not None}
    for recorded in inputs:
        if recorded.folder is not None:
            folders[recorded.folder].add(str(_located(recorded.path, root)))
    for folder, tables in folders.items():
        located = _located(folder, root)
        if located.is_dir():
            for table in input_files(located):
                if str(table) not in tables:
                    problems.append(
                        Problem(
                            "",
                            f"added to the folder since the run recorded in {result_file}",
                            None,
                            str(table),
                        )
                    )
    return problems


def _environment(gapsolver: str, solver: dict[str, str], platform: PlatformInfo) -> dict[str, str]:
    """An environment as one mapping: gapsolver's version, the solver's packages, the platform's
    fields and libraries."""
    fields = platform.model_dump(exclude={"libraries"})
    return {"gapsolver": gapsolver, **solver, **fields, **platform.libraries}


def environment_changes(manifest: Manifest) -> list[EnvironmentChange]:
    """What differs here from the environment the manifest recorded: gapsolver's version, the
    solver's packages, the platform and libraries."""
    solver = manifest.solver
    recorded = _environment(
        manifest.gapsolver, solver.versions if solver else {}, manifest.platform
    )
    here = _environment(
        GAPSOLVER_VERSION, solver_info(solver.name).versions if solver else {}, platform_info()
    )
    return [
        EnvironmentChange(what=name, recorded=recorded.get(name), replayed=here.get(name))
        for name in dict.fromkeys([*recorded, *here])
        if recorded.get(name) != here.get(name)
    ]


# --------------------------------------------------------------------------------------------------
# 3. The command, run again


@dataclass
class Run:
    """A recorded run as the replayers read it: its options, typed on the way out; its inputs
    located; the recorded JSON; and the notes the replay makes."""

    manifest: Manifest
    recorded: dict[str, Any]
    root: Path | None
    source: str
    notes: list[str] = field(default_factory=list)

    def option(self, name: str, kind: Any, default: Any = ...) -> Any:
        """The recorded option ``name`` as ``kind``; InputError when it is missing (without a
        default) or of another type."""
        if name not in self.manifest.options:
            if default is ...:
                raise InputError(
                    [Problem(f"manifest.options.{name}", "missing: replay needs it")], self.source
                )
            return default
        try:
            return TypeAdapter(kind).validate_python(self.manifest.options[name])
        except ValidationError as error:
            message = error.errors(include_url=False)[0]["msg"]
            raise InputError([Problem(f"manifest.options.{name}", message)], self.source) from None

    def path(self, given: str) -> Path:
        """An input path as recorded, located (``--root``)."""
        return _located(given, self.root)

    def scenario(self, given: str) -> Scenario:
        """The scenario at a recorded path, loaded as the command loaded it."""
        return load_scenario(self.path(given))[0]

    def solve_options(self) -> SolveOptions:
        """The recorded :class:`SolveOptions`: every field the manifest has, the defaults for the
        rest (the field names are the option names)."""
        hints = get_type_hints(SolveOptions)
        given = {
            option.name: self.option(option.name, hints[option.name])
            for option in fields(SolveOptions)
            if option.name in self.manifest.options
        }
        try:
            return SolveOptions(**given)
        except SolverError as error:  # an unknown strategy or solver in a hand-edited manifest
            raise InputError([Problem("manifest.options", str(error))], self.source) from None

    def racing(self, options: SolveOptions) -> None:
        """Note that every solve of the replay races again (``--solver auto``)."""
        if options.solver == "auto":
            self.notes.append(
                "--solver auto: each solve races HiGHS and CBC again; where optimal plans tie, a "
                "race won by the other solver than recorded may keep another of them (the "
                "weighted gaps agree; suitability within the suitability gap)"
            )

    def timed(self, options: SolveOptions) -> None:
        """Note that a time limit may stop the replay elsewhere than the run."""
        if options.time_limit is not None:
            self.notes.append(
                f"a time limit of {options.time_limit:g} s: a solve it stopped may stop elsewhere "
                "on replay"
            )


Replayer = Callable[[Run], BaseModel]
"""Runs a recorded command again: its output, as the command wrote it (before the manifest)."""


def _cores(run: Run) -> int:
    """The workers recorded (by default one per core), at most one per core here; samples and
    their answers do not depend on the workers."""
    cores = os.cpu_count() or 1
    return max(min(run.option("workers", int | None, None) or cores, cores), 1)


def replay_stochastic(run: Run, scenario: Scenario, options: SolveOptions) -> BaseModel:
    """`solve --stochastic N`: the same samples (seed), the programme solved again."""
    run.racing(options)
    run.timed(options)
    alpha = run.option("cvar", float | None, None)
    weight = run.option("cvar_weight", float | None, None)
    return stochastic_plan(
        scenario,
        run.option("stochastic", int),
        run.option("seed", int),
        options,
        None if alpha is None else Cvar(alpha, 1.0 if weight is None else weight),
        run.option("seats_by_state", bool, False),
    )


def replay_solve(run: Run) -> BaseModel:
    """`solve`: the pipeline; with ``--solver auto`` (optimal strategy) the recorded winner alone.
    `solve --stochastic`: :func:`replay_stochastic`."""
    scenario = run.scenario(run.option("scenario", str))
    options = run.solve_options()
    if run.option("stochastic", int | None, None) is not None:
        return replay_stochastic(run, scenario, options)
    solving = options
    winner = run.recorded.get("solver")
    if options.solver == "auto" and options.strategy == "optimal" and winner in SOLVERS:
        solving = replace(options, solver=winner)
        run.notes.append(
            f"--solver auto: replayed with {winner}, the winner of the recorded race (the race "
            "keeps the first proven optimum, and where optimal plans tie each solver keeps its own)"
        )
    else:
        run.racing(options)
    run.timed(options)
    result = solve_scenario(scenario, solving)
    result.options = SolveSettings.model_validate(
        result.options.model_dump() | {"solver": options.solver}
    )
    if run.option("donation_impact", bool, False):
        result.donation_impact = donation_impact(scenario, result, solving)
    return result


def replay_whatif(run: Run) -> BaseModel:
    """`whatif`: the base scenario and its variant solved, and their difference."""
    options = run.solve_options()
    run.racing(options)
    run.timed(options)
    variants_file = run.option("variants_file", str | None, None)
    answer = whatif(
        run.scenario(run.option("scenario", str)),
        variants=run.option("variants", list[str], []),
        variants_file=None if variants_file is None else run.path(variants_file),
        without_states=run.option("without_states", list[str], []),
        without=run.option("without", list[str], []),
        options=options,
    )
    return answer.difference


def replay_robust(run: Run) -> BaseModel:
    """`robust`: the same samples (seed) solved again, by the workers asked for (by default one per
    core), at most one per core here; the samples do not depend on the workers. `robust --plan`:
    the same committed plans judged again on the same samples."""
    scenario = run.scenario(run.option("scenario", str))
    samples, seed = run.option("samples", int), run.option("seed", int)
    plans = run.option("plans", list[str], [])
    if plans:
        committed = [
            (label, read_plan_file(run.path(path), scenario))
            for label, path in zip(plan_labels(plans), plans, strict=True)
        ]
        alpha = run.option("cvar", float | None, None)
        if len(committed) == 1:
            return evaluate_plan(scenario, committed[0][1], samples, seed, cvar_alpha=alpha)
        return compare_plans(scenario, committed, samples, seed, cvar_alpha=alpha)
    options = run.solve_options()
    run.racing(options)
    run.timed(options)
    return robust(scenario, samples, seed, options, workers=_cores(run))


def replay_compare(run: Run) -> BaseModel:
    """`compare`: every scenario file with every strategy, labelled as recorded."""
    options = run.solve_options()
    run.racing(options)
    run.timed(options)
    labelled = [(given, run.scenario(given)) for given in run.option("scenarios", list[str])]
    return compare(labelled, run.option("strategies", list[str]), options)


def replay_alternatives(run: Run) -> BaseModel:
    """`alternatives`: the optimal plan and the same number of alternatives, found again."""
    options = run.solve_options()
    run.timed(options)
    return alternatives(
        run.scenario(run.option("scenario", str)),
        run.option("count", int),
        run.option("slack", float),
        run.option("diversify", Literal["assignments", "states", "donors"]),
        run.option("keep", list[str], []),
        options,
    )


REPLAYERS: dict[str, Replayer] = {
    "solve": replay_solve,
    "alternatives": replay_alternatives,
    "whatif": replay_whatif,
    "robust": replay_robust,
    "compare": replay_compare,
}
"""Per command a manifest may name, how it is run again (a new command that writes manifests adds
its replayer here)."""


# --------------------------------------------------------------------------------------------------
# 4. The difference


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _child(path: str, key: str) -> str:
    if _NAME.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def _ignored(key: str) -> bool:
    return key in IGNORED_KEYS or key.endswith("_seconds")


def _same(a: Any, b: Any) -> bool:
    """Equal JSON values: numbers by value (1 and 1.0 alike), anything else by type and value (so
    ``true`` is not 1). Containers are compared part by part, never here."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b and not isinstance(a, dict | list)


def json_differences(recorded: Any, replayed: Any, path: str = "") -> Iterator[ValueChange]:
    """Every JSON path where two documents differ, in document order: dictionaries key by key
    (:data:`IGNORED_KEYS` left out), lists item by item; a path only one side has is given with
    that side's value alone."""
    if isinstance(recorded, dict) and isinstance(replayed, dict):
        for key in [*recorded, *(key for key in replayed if key not in recorded)]:
            if _ignored(key):
                continue
            where = _child(path, key)
            if key not in replayed:
                yield ValueChange(path=where, recorded=recorded[key])
            elif key not in recorded:
                yield ValueChange(path=where, replayed=replayed[key])
            else:
                yield from json_differences(recorded[key], replayed[key], where)
    elif isinstance(recorded, list) and isinstance(replayed, list):
        for index in range(max(len(recorded), len(replayed))):
            where = f"{path}[{index}]"
            if index >= len(replayed):
                yield ValueChange(path=where, recorded=recorded[index])
            elif index >= len(recorded):
                yield ValueChange(path=where, replayed=replayed[index])
            else:
                yield from json_differences(recorded[index], replayed[index], where)
    elif not _same(recorded, replayed):
        yield ValueChange(path=path, recorded=recorded, replayed=replayed)


def _plan_difference(recorded: Mapping[str, Any], replayed: BaseModel) -> PlanDiff | None:
    """For a solve whose plan differs: the plan difference from the recorded plan to the replayed
    one (None when the plans agree, or the recorded file is not a readable plan)."""
    try:
        difference = diff_results(
            ResultFile.model_validate(dict(recorded)),
            ResultFile.model_validate(replayed.model_dump(mode="json")),
        )
    except ValidationError:
        return None
    changed = (
        difference.gaps_opened
        or difference.gaps_closed
        or difference.requirements_only_in_a
        or difference.requirements_only_in_b
        or difference.assignments_changed
        or difference.donations_redirected
        or difference.training_seats_changed
        or any(change.delta not in (0, None) for change in difference.kpis.values())
    )
    return difference if changed else None


def _as_written(output: BaseModel) -> Any:
    """An output's JSON as the command writes it (then read back), so that it compares with a
    file's."""
    dump = getattr(output, "to_dict", None)
    data = dump() if callable(dump) else output.model_dump(mode="json")
    return json.loads(json_text(data))


def replay(result_file: Path, root: Path | None = None) -> ReplayReport:
    """Run the command of ``result_file`` again from its manifest and compare.

    Raises InputError (exit 2) when the file has no manifest, names a command replay does not know,
    or when an input changed, went missing or was added to its folder (each named). ``root``: the
    folder the manifest's relative input paths are relative to (default: the current one)."""
    source = str(result_file)
    recorded, manifest = read_replayable(result_file)
    replayer = REPLAYERS.get(manifest.command)
    if replayer is None:
        raise InputError(
            [
                Problem(
                    "manifest.command",
                    f"replay does not know the command {manifest.command!r} (it replays "
                    f"{', '.join(REPLAYERS)})",
                )
            ],
            source,
        )
    problems = input_problems(manifest.inputs, root, source)
    if problems:
        raise InputError(problems, source)
    run = Run(manifest, recorded, root, source)
    output = replayer(run)
    replayed = _as_written(output)
    differences = list(json_differences(recorded, replayed))
    plan = None
    if differences and manifest.command == "solve":
        plan = _plan_difference(recorded, output)
    report = ReplayReport(
        result_file=source,
        command=manifest.command,
        inputs=len(manifest.inputs),
        differences=differences,
        environment=environment_changes(manifest),
        notes=run.notes,
    )
    if plan is not None:
        report.plan = plan
    return report
