"""gapsolver's version, where every layer can read it (``gapsolver.__version__`` re-exports it; the
manifest of a result records it)."""

from __future__ import annotations

from typing import Final

GAPSOLVER_VERSION: Final = "0.1.0"
"""The version of this gapsolver (as in ``pyproject.toml``)."""
