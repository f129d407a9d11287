"""Scratch space for solver files, and the solver processes this process starts.

Every temporary file a solve writes (CBC's model, warm start and solution files) goes in one folder
per gapsolver process, created before any worker or solver child is forked so that children write
into it too; the process that created it removes it at exit. A child killed mid-solve therefore
leaves nothing behind once its parent ends. Solver subprocesses are recorded so that an interrupted
solve stops them rather than leaving them running.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

_root: Path | None = None
_owner: int | None = None


def _remove_root() -> None:
    if _root is not None and os.getpid() == _owner:
        shutil.rmtree(_root, ignore_errors=True)


def scratch_root() -> Path:
    """This process's scratch folder (its parent's, in a forked child)."""
    global _root, _owner
    if _root is None or not _root.is_dir():
        _root = Path(tempfile.mkdtemp(prefix="gapsolver-"))
        _owner = os.getpid()
        atexit.register(_remove_root)
    return _root


@contextlib.contextmanager
def scratch_folder() -> Iterator[Path]:
    """A fresh folder under the scratch root, removed when the block ends."""
    folder = Path(tempfile.mkdtemp(dir=scratch_root()))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@functools.cache
def _parent_death_signal() -> Any:
    """A callable that, run in a child between fork and exec, has the kernel kill the child when
    its parent dies (Linux's PR_SET_PDEATHSIG); None elsewhere. Prepared in the parent: nothing
    may be imported between fork and exec."""
    try:
        import ctypes

        prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def set_signal() -> None:  # pragma: no cover - runs in the child
        prctl(1, signal.SIGKILL)

    return set_signal


class TrackedPopen(subprocess.Popen[bytes]):
    """A solver subprocess that dies with its parent and is killed, not left running, when the
    solve that started it is interrupted (see :func:`tracked_subprocesses`)."""

    running: ClassVar[set[TrackedPopen]] = set()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        hook = _parent_death_signal() if os.name == "posix" else None
        if hook is not None:
            kwargs.setdefault("preexec_fn", hook)
        super().__init__(*args, **kwargs)
        TrackedPopen.running.add(self)

    def wait(self, timeout: float | None = None) -> int:
        code = super().wait(timeout)
        TrackedPopen.running.discard(self)
        return code


@contextlib.contextmanager
def tracked_subprocesses() -> Iterator[None]:
    """Kill every solver subprocess started in the block that is still running when it ends
    (an interrupt, an error)."""
    try:
        yield
    finally:
        for process in list(TrackedPopen.running):
            with contextlib.suppress(OSError):
                process.kill()
            with contextlib.suppress(Exception):
                process.wait(timeout=5)
            TrackedPopen.running.discard(process)
