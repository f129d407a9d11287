"""Write output files atomically: an existing file is only ever replaced by a complete new one."""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from gapsolver.exceptions import OutputError, raise_if_stopped


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write the whole output to; on leaving the block without an
    error it is synced and renamed over ``path`` (keeping an existing file's permissions), otherwise
    it is removed and ``path`` is left as it was."""
    target = Path(path)
    if target.is_symlink():  # write the file it points to, and keep the link
        target = target.resolve()
    if target.is_dir():
        raise OutputError(f"{target}: is a directory")
    if target.exists() and not target.is_file():
        raise OutputError(f"{target}: is not a regular file")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{target}: the folder {folder} does not exist")
    try:
        handle, name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=target.suffix)
        os.close(handle)
    except OSError as error:
        raise OutputError(f"{target}: cannot write ({error.strerror})") from None
    temporary = Path(name)
    try:
        yield temporary
        raise_if_stopped()  # never let a stopped run replace what the user had
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask()
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise OutputError(f"{target}: cannot write ({error.strerror})") from None
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(path: str | Path, text: str) -> None:
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


def json_text(data: Any) -> str:
    """Standard JSON (no NaN or Infinity, which other readers reject), indented."""
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_json_atomic(path: str | Path, data: Any) -> None:
    write_text_atomic(path, json_text(data))


def write_csv_atomic(path: str | Path, rows: list[dict[str, Any]]) -> None:
    """Rows (dicts with the same keys, in order) as CSV with a header."""
    with atomic_path(path) as temporary, open(temporary, "w", newline="", encoding="utf-8") as out:
        columns = list(rows[0]) if rows else []
        for row in rows:
            columns += [key for key in row if key not in columns]
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def write_folder_atomic(folder: str | Path, files: dict[str, str]) -> None:
    """A folder of text files (name → text), made whole in a new folder beside ``folder`` and then
    moved into place: a previous folder is replaced only by a complete new one."""
    folder = Path(folder)
    parent = folder.resolve().parent
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=parent))
    except OSError as error:
        raise OutputError(f"{folder}: cannot write ({error.strerror})") from None
    try:
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8", newline="")
        raise_if_stopped()  # never let a stopped run replace what the user had
        if folder.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old.", dir=parent))
            os.replace(folder, old / folder.name)
            os.replace(staging, folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, folder)
    except OSError as error:
        raise OutputError(f"{folder}: cannot write ({error.strerror})") from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
