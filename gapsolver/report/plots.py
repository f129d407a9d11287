"""Plots for reports (matplotlib, without a display), written atomically as PNG, SVG or PDF (by the
file's extension)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from gapsolver.exceptions import import_extra
from gapsolver.postprocess.write import atomic_path
from gapsolver.schema.analysis import RobustReport
from gapsolver.schema.stochastic import PlanEvaluation


def pyplot(feature: str = "a plot") -> Any:
    """matplotlib.pyplot drawing to files (the Agg backend: no display needed); without matplotlib
    (the `plots` extra), a :class:`gapsolver.exceptions.MissingExtra` naming ``feature``."""
    matplotlib = import_extra("matplotlib", feature, "matplotlib", "plots")
    matplotlib.use("Agg")
    return import_extra("matplotlib.pyplot", feature, "matplotlib", "plots")


def save_figure(figure: Any, path: str | Path, dpi: int = 120) -> None:
    """Write a matplotlib figure atomically in the format its extension names (.png, .svg, .pdf),
    with no date or random id in it: the same figure gives the same file."""
    target = Path(path)
    fmt = target.suffix.lower().lstrip(".") or "png"
    metadata: dict[str, Any] = {}
    if fmt == "svg":
        metadata = {"Date": None}
    elif fmt == "pdf":
        metadata = {"CreationDate": None, "ModDate": None}
    import matplotlib

    # text stays text in SVG (searchable, selectable, smaller), fonts embedded as TrueType in PDF
    style: Any = {"svg.fonttype": "none", "svg.hashsalt": "gapsolver", "pdf.fonttype": 42}
    with matplotlib.rc_context(style), atomic_path(target) as temporary:
        figure.savefig(temporary, format=fmt, dpi=dpi, metadata=metadata or None)


def robust_histogram(report: RobustReport, path: str | Path) -> None:
    """Histogram of the sampled weighted gaps, with the nominal plan's and the mean marked."""
    plt = pyplot("--png")
    gaps = [run.weighted_gap for run in report.runs] or [report.nominal.weighted_gap]
    figure, axes = plt.subplots(figsize=(8, 4.5))
    axes.hist(gaps, bins=min(30, max(5, len(set(gaps)))), color="#4c72b0")
    axes.axvline(
        report.nominal.weighted_gap,
        color="black",
        linestyle="--",
        label="all pledges materialize",
    )
    axes.axvline(report.weighted_gap.mean, color="#c44e52", label="mean")
    axes.set_xlabel("optimal weighted gap")
    axes.set_ylabel("samples")
    axes.set_title(f"{report.scenario}: {report.samples} samples (seed {report.seed})")
    axes.legend()
    figure.tight_layout()
    save_figure(figure, path)
    plt.close(figure)


def gap_distributions(
    groups: dict[str, dict[str, list[float]]], title: str, path: str | Path
) -> None:
    """One box plot per panel (e.g. per strategy, per variant): panel → label → weighted gaps."""
    plt = pyplot("--png")
    panels = [(name, data) for name, data in groups.items() if data]
    figure, axes_list = plt.subplots(len(panels), 1, figsize=(10, 4.2 * len(panels)), squeeze=False)
    for (name, data), axes in zip(panels, axes_list[:, 0], strict=True):
        labels = list(data)
        axes.boxplot([data[label] for label in labels], showmeans=True)
        axes.set_xticks(range(1, len(labels) + 1), labels, rotation=30, ha="right")
        axes.set_ylabel("weighted gap")
        axes.set_title(name, loc="left")
    figure.suptitle(title)
    figure.tight_layout()
    save_figure(figure, path)
    plt.close(figure)


def plan_distributions(evaluations: Sequence[PlanEvaluation], path: str | Path) -> None:
    """Committed plans on the same samples (`robust --plan`): the share of samples with at most
    each weighted gap (one step line per plan, its mean dashed), so the plan whose line lies left
    and above is the better in every sense that grows with the gaps."""
    plt = pyplot("--png")
    figure, axes = plt.subplots(figsize=(8, 4.5))
    colours = ("#4c72b0", "#c44e52", "#55a868", "#8172b2", "#ccb974", "#64b5cd")
    for index, evaluation in enumerate(evaluations):
        gaps = np.sort([run.weighted_gap for run in evaluation.runs])
        share = np.arange(1, gaps.size + 1) / gaps.size
        colour = colours[index % len(colours)]
        label = evaluation.label or evaluation.source
        axes.step(
            gaps,
            share,
            where="post",
            color=colour,
            label=f"{label} (mean {evaluation.weighted_gap.mean:.1f})",
        )
        axes.axvline(evaluation.weighted_gap.mean, color=colour, linestyle="--", linewidth=0.8)
    first = evaluations[0]
    axes.set_xlabel("weighted gap (assignments optimised per sample, first stage fixed)")
    axes.set_ylabel("share of samples with at most this gap")
    axes.set_ylim(0, 1.02)
    axes.set_title(f"{first.scenario}: {first.samples} samples (seed {first.seed})")
    axes.legend(loc="lower right")
    figure.tight_layout()
    save_figure(figure, path)
    plt.close(figure)
