"""Solving: options, the lexicographic solve, supervision and races, strategies, the pipeline."""
