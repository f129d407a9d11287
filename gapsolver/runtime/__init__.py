"""Processes and scratch space: worker pools, tracked subprocesses, scratch folders."""
