"""The `gapsolver` command."""

from gapsolver.cli.commands import app, main

__all__ = ["app", "main"]
