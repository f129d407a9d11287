"""gapsolver's benchmarks: `python -m benchmarks.run --help`."""
