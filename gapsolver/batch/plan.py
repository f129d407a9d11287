"""Plan a batch: every scenario × case × strategy × sample as a task with a stable key, checked up front."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from gapsolver.batch.spec import BatchSpec, read_spec
from gapsolver.exceptions import InputError, Problem
from gapsolver.limits import (
    MAX_RUNS,
    MAX_SCENARIO_FILES,
)
from gapsolver.preprocess.document import Document
from gapsolver.preprocess.load import expand_patterns, load_scenario
from gapsolver.preprocess.variants import (
    Change,
    Located,
    apply_changes,
    read_variants,
)
from gapsolver.schema import Scenario


@dataclass(frozen=True)
class Case:
    kind: str  # base | variant | sweep
    name: str
    changes: list[dict[str, Any]]
    sweep_parameter: str | None = None
    sweep_value: float | None = None


@dataclass(frozen=True)
class Task:
    """One run and its key. Workers get the scenarios once (by content hash), not with every task,
    and never read files."""

    key: str
    scenario_file: str
    scenario_sha256: str
    scenario_name: str
    case: Case
    strategy: str
    sample: int | None
    seed: int | None
    solver: str
    time_limit: float | None


def sha256_of(data: Any) -> str:
    text = data if isinstance(data, str | bytes) else json.dumps(data, sort_keys=True)
    raw = text.encode() if isinstance(text, str) else text
    return hashlib.sha256(raw).hexdigest()


_TEXTS: dict[int, tuple[BaseModel, str]] = {}
"""Each scenario object's JSON text, by identity (the object kept so its id stays its own)."""
_MAX_TEXTS = 200_000


def _text(obj: BaseModel) -> str:
    known = _TEXTS.get(id(obj))
    if known is not None and known[0] is obj:
        return known[1]
    if len(_TEXTS) >= _MAX_TEXTS:
        _TEXTS.clear()
    text = json.dumps(obj.model_dump(mode="json"), sort_keys=True)
    _TEXTS[id(obj)] = (obj, text)
    return text


def scenario_sha256(scenario: Scenario) -> str:
    """``sha256_of(scenario.model_dump(mode="json"))``, from the JSON text of each object of its
    collections made once: the cases of a what-if batch share all but a few objects with their base
    scenario (objects are frozen, so an object's text never changes)."""
    collections = [
        name
        for name, value in vars(scenario).items()
        if isinstance(value, list) and all(isinstance(obj, BaseModel) for obj in value)
    ]
    rest = scenario.model_dump(mode="json", exclude=set(collections))
    parts = {name: json.dumps(value, sort_keys=True) for name, value in rest.items()}
    parts |= {
        name: "[" + ", ".join(_text(obj) for obj in getattr(scenario, name)) + "]"
        for name in collections
    }
    text = "{" + ", ".join(f"{json.dumps(name)}: {parts[name]}" for name in sorted(parts)) + "}"
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class BatchPlan:
    """Every run of a spec, checked before any runs: the spec, its runs in a stable order, the
    scenarios by content hash, and every file the plan read (the output guard keeps the results
    database off them)."""

    spec_path: Path
    spec: BatchSpec
    tasks: list[Task]
    scenarios: dict[str, Scenario]
    files: list[Path]


def _sweep_cases(spec: BatchSpec) -> list[Case]:
    return [
        Case(
            "sweep",
            f"{sweep.name}={value}",
            [{"set": {sweep.parameter: value}}],
            sweep.parameter,
            float(value),
        )
        for sweep in spec.sweeps
        for value in sweep.points()
    ]


def _probe_points(points: list[float | int]) -> list[float | int]:
    """The values of a sweep worth trying up front: the extremes and the first non-integer one
    (a value's validity is a matter of its range and its type)."""
    probes = [min(points), max(points), *[p for p in points if isinstance(p, float)][:1]]
    return list(dict.fromkeys(probes))


def _check_cases(
    spec: BatchSpec,
    doc: Document,
    scenarios: list[tuple[Path, str, Scenario]],
    variant_changes: dict[str, list[Any]],
) -> list[Problem]:
    """Apply every variant and each sweep's extreme values to every scenario before anything runs:
    a target that names nothing or a value the schema refuses is found now, located at the change
    (in the variants file or the spec) that makes it."""

    problems: list[Problem] = []
    checks: list[tuple[str, list[Located]]] = [
        (f"variant {name!r}", changes) for name, changes in variant_changes.items()
    ]
    for index, sweep in enumerate(spec.sweeps):
        path = ("sweeps", index, "parameter")
        for value in _probe_points(sweep.points()):
            change = Change(set={sweep.parameter: value})
            checks.append(
                (
                    f"sweep {sweep.name!r} at {value}",
                    [Located(change, ("sweeps", index), doc.line_of(path), doc.source)],
                )
            )
    for file, _, scenario in scenarios:
        for label, changes in checks:
            try:
                apply_changes(scenario, changes, doc.source)
            except InputError as error:
                for problem in error.problems:
                    text = f"{problem.message} ({label}, on {file.name})"
                    problems.append(
                        Problem(problem.path, text, problem.line, problem.source or error.source)
                    )
    return list(dict.fromkeys(problems))


def plan_tasks(spec_path: str | Path) -> BatchPlan:
    """Plan every run of a spec. Everything that can be checked before running is checked here, all
    problems at once, each in the file that holds it: the spec, every scenario file, the variants
    file, every variant and sweep applied to every scenario, and the number of runs."""

    spec, doc = read_spec(spec_path)
    folder = Path(spec_path).parent
    files, unmatched = expand_patterns(spec.scenarios, folder)
    read: list[Path] = [Path(spec_path)]
    problems = [
        doc.problem(("scenarios", index), f"no file matches {spec.scenarios[index]!r}")
        for index in unmatched
    ]
    if len(files) > MAX_SCENARIO_FILES:
        problems.append(
            doc.problem(
                ("scenarios",),
                f"{len(files):,} scenario files; a batch reads at most {MAX_SCENARIO_FILES:,}",
            )
        )
        files = []
    scenarios: list[tuple[Path, str, Scenario]] = []
    for file in files:
        read.append(file)
        try:
            scenario, _ = load_scenario(file)
            try:
                digest = sha256_of(file.read_bytes())
            except OSError as error:  # gone or unreadable since it was read
                raise InputError(
                    [Problem("", f"cannot read: {error.strerror}")], str(file)
                ) from None
            scenarios.append((file, digest, scenario))
        except InputError as error:
            problems += [
                Problem(p.path, p.message, p.line, p.source or error.source or str(file))
                for p in error.problems
            ]
    cases: list[Case] = [Case("base", "base", [])] if spec.include_base else []
    variant_changes: dict[str, list[Any]] = {}
    if spec.variants is not None:
        variants_path = folder / spec.variants.file
        read.append(variants_path)
        try:
            variants = read_variants(variants_path)
            names = spec.variants.names or list(variants.variants)
            for name in names:
                variant_changes[name] = variants.changes([name], label="variants.names")
                changes = [
                    entry.change.model_dump(exclude_none=True) for entry in variant_changes[name]
                ]
                cases.append(Case("variant", name, changes))
        except InputError as error:
            for p in error.problems:
                if (
                    p.source is None
                    and error.source == str(variants_path)
                    and p.path == ""
                    and p.line is None
                ):
                    # the variants file itself cannot be read: say so at the spec's line
                    problems.append(
                        doc.problem(("variants", "file"), f"{spec.variants.file}: {p.message}")
                    )
                elif p.path.startswith("variants.names"):
                    problems.append(doc.problem(("variants", "names"), p.message))
                else:
                    problems.append(Problem(p.path, p.message, p.line, p.source or error.source))
    cases += _sweep_cases(spec)
    if not cases:
        problems.append(
            doc.problem((), "nothing to run: include_base is false and no variants or sweeps")
        )
    samples: list[int | None] = [None]
    seed = None
    if spec.robustness is not None:
        samples += list(range(spec.robustness.samples))
        seed = spec.robustness.seed
    runs = len(files) * len(cases) * len(spec.strategies) * len(samples)
    if runs > MAX_RUNS:
        problems.append(
            doc.problem(
                (),
                f"{runs:,} runs planned ({len(files)} scenarios × {len(cases)} cases × "
                f"{len(spec.strategies)} strategies × {len(samples)} samples); a batch runs at "
                f"most {MAX_RUNS:,}",
            )
        )
    if not problems:
        problems += _check_cases(spec, doc, scenarios, variant_changes)
    if problems:
        raise InputError(problems, str(spec_path))
    tasks = []
    for file, digest, scenario in scenarios:
        for case in cases:
            for strategy in spec.strategies:
                for sample in samples:
                    identity = {
                        "scenario_sha256": digest,
                        "case": [case.kind, case.name],
                        "changes": case.changes,
                        "strategy": strategy,
                        "sample": sample,
                        "seed": seed if sample is not None else None,
                        "solver": spec.solver,
                        "time_limit": spec.time_limit,
                    }
                    tasks.append(
                        Task(
                            key=sha256_of(identity),
                            scenario_file=str(file),
                            scenario_sha256=digest,
                            scenario_name=scenario.name,
                            case=case,
                            strategy=strategy,
                            sample=sample,
                            seed=seed if sample is not None else None,
                            solver=spec.solver,
                            time_limit=spec.time_limit,
                        )
                    )
    return BatchPlan(
        Path(spec_path),
        spec,
        tasks,
        {digest: scenario for _, digest, scenario in scenarios},
        list(dict.fromkeys(read)),
    )
