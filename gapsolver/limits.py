"""The bounds gapsolver holds every input to (docs/limits.md says why each is where it is).

Every file gapsolver reads — scenarios, variants files, batch specs, result files — and every number in
them or on the command line stays within these, so that no input, however hostile, can make a command
crash, overflow, run for hours or exhaust memory. A value outside a bound is a located input error
(exit 2), like any other.
"""

from __future__ import annotations

import datetime as dt

MAX_FILE_BYTES = 20 * 1024 * 1024
"""Largest file read (20 MiB; a scenario of 10,000 pledges and 3,000 requirements is about 2 MB)."""
MAX_DEPTH = 64
"""Deepest nesting of lists and mappings in a file (a scenario needs 5)."""
MAX_NODES = 500_000
"""Most values in a file, counting each alias as the values it stands for (so an alias bomb is
refused while it is read, before it expands)."""
MAX_TABLE_ROWS = 100_000
"""Most rows of one table of a workbook or CSV folder, empty rows included (a sheet may claim any
size; a scenario of 20,000 pledges has 20,001)."""
MAX_TABLE_COLUMNS = 1_000
"""Columns of a table's header read at most (a table has a few dozen)."""
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
"""What an .xlsx workbook (a zip archive) may unpack to."""

MAX_QUANTITY = 1_000_000
"""Largest count: units required or pledged, items donated or needed per unit, training seats,
personnel per unit, the per-state cap."""
MAX_DAYS = 36_500
"""Largest number of days: training lead times, date shifts (about a century)."""
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
"""Every date in a scenario lies in [EARLIEST_DATE, LATEST_DATE]."""
MAX_MONEY = 1e12
"""Largest amount of money, USD (a cost per unit, a budget): a trillion, some 200 times the UN's yearly
peacekeeping budget, and small enough that the budget row stays within what the solvers accept."""
MAX_WEIGHT = 1e9
"""Largest objective weight (priority weights, suitability weights)."""
MAX_SCALE = 1e6
"""Largest factor of a variant's ``scale``."""
MAX_ID_LENGTH = 200
"""Longest id."""

MAX_PAIRS = 3_000_000
"""Most eligible pledge–requirement pairs in a model (columns of the MILP); counted before the model
is built. A scenario of 10,000 pledges and 3,000 requirement lines has about 2 million."""

MAX_SAMPLES = 100_000
"""Most reliability samples (``robust --samples``, a batch's ``robustness.samples``)."""
MAX_STOCHASTIC_SAMPLES = 5_000
"""Most samples of a stochastic plan (``solve --stochastic``; each distinct one is a copy of the
second stage in one model) and of ``robust --plan``."""
MAX_CVAR_LEVEL = 0.999
"""Highest CVaR level α (``--cvar``): the mean of the worst 1 − α share of samples, at least a
thousandth of them."""
MAX_CVAR_WEIGHT = 1e6
"""Largest weight λ of the CVaR in mean + λ × CVaR (``--cvar-weight``)."""
MAX_EXTENSIVE_CELLS = 50_000_000
"""Most (distinct sample, eligible pair) cells of a stochastic plan's extensive form, counted once
the samples are drawn and before the form is built (its index of them takes 8 bytes a cell)."""
MAX_SEED = 2**63 - 1
"""Largest random seed (it is stored as a 64-bit integer)."""
MAX_SWEEP_POINTS = 10_000
"""Most values one sweep may take."""
MAX_SWEEP_VALUE = 1e15
"""Largest magnitude of a sweep value or range bound."""
MAX_SCENARIO_FILES = 1_000
"""Most scenario files one batch or comparison reads (globs are counted before any file is read)."""
MAX_RUNS = 100_000
"""Most runs one batch may plan (scenarios × cases × strategies × samples)."""
MAX_WORKERS = 256
"""Most worker processes; a command also refuses more than the machine's cores (each worker holds
its own copy of the scenario and solver: more would only share the cores and multiply the memory)."""
MAX_TIME_LIMIT = 1e7
"""Longest time limit, seconds (about 115 days)."""
