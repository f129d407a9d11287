"""Batch studies: spec, plan, workers, store, executors, export."""
