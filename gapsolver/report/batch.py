"""A batch's results drawn: box plots of the weighted gap per strategy and per case."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from gapsolver.batch.export import read_table
from gapsolver.exceptions import InputError, Problem
from gapsolver.report.plots import gap_distributions
from gapsolver.solve.options import STRATEGIES


def plot_batch(database: str | Path, path: str | Path) -> None:
    """Box plots of the weighted gap per strategy and per case (variant, sweep value)."""

    def plottable(row: dict[str, Any]) -> bool:
        gap = row["weighted_gap"]
        return (
            row["status"] != "failed"
            and row["strategy"] in STRATEGIES
            and isinstance(gap, int | float)
            and math.isfinite(gap)
            and isinstance(row["case_name"], str)
            and isinstance(row["sweep_value"], int | float | None)
        )

    rows = [row for row in read_table(database) if plottable(row)]
    if not rows:
        raise InputError([Problem("", "no finished runs to plot")], str(database))
    by_strategy: dict[str, list[float]] = {
        name: [row["weighted_gap"] for row in rows if row["strategy"] == name]
        for name in STRATEGIES
        if any(row["strategy"] == name for row in rows)
    }
    strategy = "optimal" if "optimal" in by_strategy else next(iter(by_strategy))
    by_case: dict[str, list[float]] = {}
    kinds = {"base": 0, "variant": 1, "sweep": 2}
    rows.sort(
        key=lambda r: (
            kinds.get(r["case_kind"], 3),
            str(r["sweep_parameter"] or ""),
            r["sweep_value"] or 0,
            r["case_name"],
        )
    )
    for row in rows:
        if row["strategy"] == strategy:
            by_case.setdefault(row["case_name"], []).append(row["weighted_gap"])
    scenarios = sorted({str(row["scenario"]) for row in rows})
    gap_distributions(
        {"per strategy (all cases)": by_strategy, f"per case ({strategy})": by_case},
        f"Weighted gap: {', '.join(scenarios)} — {len(rows)} runs",
        path,
    )
