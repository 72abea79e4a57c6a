"""Atomic writes: the one helper every file riskcli produces goes through.

A reader (or a lead who pressed Ctrl-C) must only ever see the old file or the new one, never half
of one, so content goes to a temporary file in the same folder and is renamed over the target.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from riskcli.errors import OutputFileError, Problem


def check_output_path(path: Path, expected: str) -> None:
    """Refuse, before any work is done, a target that can never be written: a folder, or a file
    in a folder that does not exist. `expected` says what -o should name."""
    if path.is_dir():
        raise OutputFileError(Problem(str(path), "", f"is a directory; expected {expected}"))
    if not path.parent.is_dir():
        raise OutputFileError(Problem(str(path), "", f"folder {path.parent} does not exist"))


def write_atomic(path: Path | str, content: bytes | str) -> None:
    target = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    """The rename lives in the folder: until the folder reaches the disk, a power cut can bring
    back the old file (or none) although the new content was synced. Best effort: some systems
    cannot open or sync a folder, and the file is already in place."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _mode_for(target: Path) -> int:
    """Keep an existing file's permissions; new files get the usual umask-filtered 0666."""
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
