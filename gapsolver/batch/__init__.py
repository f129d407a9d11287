"""Batch runs: many solves from one spec file, stored in SQLite as each finishes, resumable.

A spec lists scenarios (files or globs), variants, sweeps (one parameter over values), robustness
samples and strategies; the batch is every scenario × case (base, each variant, each sweep value) ×
strategy × sample (the nominal scenario, plus each robustness sample). Each run has a key: the SHA-256
of its inputs' description (the scenario file's content hash, the case's changes, the strategy, the
sample and seed, the solver options, and the case's name: two cases with the same changes are
two runs, with the same ``inputs_sha256``). A run's row and its per-requirement gaps are written in one
transaction when it finishes, so an interruption at any moment (Ctrl-C, kill -9, power loss) loses at
most the runs in flight; running the same command again skips every run already stored and does the
rest. A run that fails (a variant that does not apply, a solver error) is stored with its error and the
batch goes on; ``--retry-failed`` runs the failed ones again.

Runs execute in local worker processes or on a Dask distributed cluster; either way only this process
writes the database.
"""
