"""A thousand what-ifs of the reference scenario, one change each, as a batch on two workers.

python -m benchmarks.whatifs [--workers 2] [--keep FOLDER]

The cases are sweeps over the reference scenario (scenarios/seoul-2021.yaml): every pledge's quantity
set to 0-4 (390 cases), every requirement's quantity to 0-9 (420), every course's capacity to 0-3
(180) and the donation's quantity to 0-9 (10): 1,000 cases, plus the base, each solved to the optimum.
The figure is the whole `gapsolver batch` command's wall time (planning, checking every case up
front, the runs, the SQLite store).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REFERENCE = Path(__file__).resolve().parent.parent / "scenarios" / "seoul-2021.yaml"


def spec_data() -> dict[str, Any]:
    """The batch spec of the thousand what-ifs."""
    from gapsolver.preprocess.load import load_scenario

    scenario, _ = load_scenario(REFERENCE)
    sweeps: list[dict[str, Any]] = []
    for collection, field, values in (
        ("pledges", "quantity", range(5)),
        ("requirements", "quantity", range(10)),
        ("trainings", "capacity", range(4)),
        ("donations", "quantity", range(10)),
    ):
        for element in getattr(scenario, collection):
            sweeps.append(
                {
                    "name": f"{collection}-{element.id}-{field}",
                    "parameter": f"{collection}[{element.id}].{field}",
                    "values": list(values),
                }
            )
    return {
        "name": "thousand-whatifs",
        "scenarios": [str(REFERENCE)],
        "sweeps": sweeps,
        "strategies": ["optimal"],
    }


def case_count(data: dict[str, Any]) -> int:
    return sum(len(sweep["values"]) for sweep in data["sweeps"])


def measure(workers: int, folder: Path) -> dict[str, Any]:
    data = spec_data()
    spec = folder / "whatifs.yaml"
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    database = folder / "whatifs.db"
    database.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "gapsolver.cli",
        "batch",
        str(spec),
        "-o",
        str(database),
        "--workers",
        str(workers),
    ]
    began = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - began
    return {"cases": case_count(data), "workers": workers, "wall_seconds": round(wall, 3)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="write the spec and database here")
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        figures = measure(args.workers, args.keep)
    else:
        with tempfile.TemporaryDirectory() as temporary:
            figures = measure(args.workers, Path(temporary))
    print(
        f"{figures['cases']:,} what-ifs (+ base), {figures['workers']} workers: "
        f"{figures['wall_seconds']:.2f} s"
    )


if __name__ == "__main__":
    main()
