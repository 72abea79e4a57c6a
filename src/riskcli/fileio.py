"""Every file riskcli writes goes through here: where `-o` may point, and the atomic write.

A reader (or a lead who pressed Ctrl-C) must only ever see the old file or the new one, never half
of one, so content goes to a temporary file in the same folder and is renamed over the target.

A rename replaces whatever has the name, so the target is checked first: only a regular file (or
nothing) is ever replaced. As root, `-o /dev/null` would otherwise turn /dev/null into a PDF, and
`-o /dev/stdout` replace the terminal's device node. A link to a regular file is written through
(the real file gets the content and the link stays), so a linked answers file keeps working.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from riskcli.errors import OutputFileError, Problem

STDOUT = "-"
"""`-o -`: the document goes to standard output (text formats only)."""

_MAX_LINK_HOPS = 40
"""Linux's own limit on links followed while resolving one path."""

_KINDS = {stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFSOCK: "a socket",
          stat.S_IFDIR: "a directory"}


def is_stdout(path: Path | str | None) -> bool:
    """`-o -`, which every command that writes a text document reads as standard output."""
    return path is not None and str(path) == STDOUT


def check_output_path(path: Path, expected: str, *, inputs: Iterable[Path | None] = (),
                      make_folders: bool = False) -> None:
    """Refuse, before any work is done, a target that can never be written: a folder, a file in
    a folder that does not exist (unless `make_folders`: then its nearest existing ancestor must
    be a folder), anything but a regular file or a link to one, or one of the command's own
    `inputs` (files, or folders whose existing files are all inputs, like `--templates`).
    `expected` says what -o should name."""
    if path.is_dir():
        raise _refusal(path, f"is a directory; expected {expected}")
    if make_folders:
        _check_ancestors(path)
    elif not path.parent.is_dir():
        raise _refusal(path, f"folder {path.parent} does not exist")
    output_target(path)
    refuse_inputs(path, inputs)


def output_target(path: Path | str) -> Path:
    """The file a write to `path` replaces: `path` itself when it is a regular file or does not
    exist, the real file when it is a link to a regular file. Anything else is refused with an
    OutputFileError: a device, FIFO or socket, a link to one, a broken link, and a link to a
    process's open file (`/dev/stdout`, `/dev/fd/N`), whatever that file is."""
    target = Path(path)
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return target
    except OSError:
        return target  # not a folder on the way, no permission: the write says why
    if stat.S_ISREG(info.st_mode):
        return target
    if not stat.S_ISLNK(info.st_mode):
        raise _refusal(target, f"is {_kind(info.st_mode)}, not a regular file; riskcli only "
                       "replaces regular files")
    _refuse_process_links(target)
    real = Path(os.path.realpath(target))
    try:
        info = os.stat(real)
    except OSError:
        raise _refusal(target, f"is a link to {real}, which does not exist; riskcli writes "
                       "through a link only to an existing regular file") from None
    if not stat.S_ISREG(info.st_mode):
        raise _refusal(target, f"is a link to {_kind(info.st_mode)} ({real}); riskcli only "
                       "replaces regular files")
    return real


def refuse_inputs(out: Path, inputs: Iterable[Path | None]) -> None:
    """An output must never replace one of the same command's inputs: `report a.yaml -o a.yaml`
    would turn the answers into the record, `report --templates t -o t/record.html.j2` a
    template into a record. Compared as files (a link, `./a.yaml` or a hard link is the same
    file); an input folder covers every file inside it."""
    try:
        out_info = out.stat()
    except OSError:
        out_info = None
    real_out = os.path.realpath(out)
    for source in inputs:
        if source is None:
            continue
        if source.is_dir():
            real_folder = os.path.realpath(source)
            if out_info is not None and os.path.commonpath([real_out, real_folder]) == real_folder:
                raise _refusal(out, f"is a file in the input folder {source}; write it "
                               "somewhere else")
            continue
        try:
            source_info = source.stat()
        except OSError:
            continue
        if out_info is not None and os.path.samestat(out_info, source_info):
            raise _refusal(out, f"is the input file {source}; write it to another file")


def write_atomic(path: Path | str, content: bytes | str, *, exclusive: bool = False) -> None:
    """Replace `path` (or the regular file it links to) with `content` in one step.

    With `exclusive`, `path` must not exist when the content lands: the name is claimed at
    the last moment with a hard link, which fails if anything took it in the meantime, so two
    runs that both found the name free cannot both win (the second gets an OutputFileError).
    """
    target = output_target(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    folder = target.parent
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=_temporary_prefix(target.name, folder),
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _mode_for(target))
        if exclusive:
            _claim(tmp, target, Path(path))
        else:
            output_target(target)  # still a regular file (or nothing) just before the rename
            os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_folder(folder)


class AtomicFile:
    """`write_atomic` for a document written piece by piece (a SARIF log of a folder, scored a
    file at a time): the pieces go to a temporary file beside the target, which replaces the
    target only at `commit`; `discard`, or leaving the `with` block without committing, leaves
    the target as it was. With `append`, the target's current content comes first (GitHub's
    step summary file collects what every command of a step writes to it)."""

    def __init__(self, path: Path | str, *, append: bool = False):
        self.path = Path(path)
        self._target = output_target(path)
        folder = self._target.parent
        fd, self._tmp = tempfile.mkstemp(
            dir=folder, prefix=_temporary_prefix(self._target.name, folder), suffix=".tmp")
        self._handle = os.fdopen(fd, "wb")
        self._open = True
        try:
            if append and self._target.is_file():
                with open(self._target, "rb") as old:
                    shutil.copyfileobj(old, self._handle)
        except BaseException:
            self.discard()
            raise

    def write(self, text: str) -> None:
        self._handle.write(text.encode("utf-8"))

    def commit(self) -> None:
        try:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
            os.chmod(self._tmp, _mode_for(self._target))
            output_target(self._target)  # still a regular file (or nothing) before the rename
            os.replace(self._tmp, self._target)
        except BaseException:
            self.discard()
            raise
        self._open = False
        _sync_folder(self._target.parent)

    def discard(self) -> None:
        if not self._open:
            return
        self._open = False
        with contextlib.suppress(OSError):
            self._handle.close()
        with contextlib.suppress(OSError):
            os.unlink(self._tmp)

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.discard()


def _claim(tmp: str, target: Path, named: Path) -> None:
    """Give `tmp` the name `target` only if nothing has it, then drop the temporary name."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise _taken(named) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS):
            raise
        # No hard links on this file system: claim the name with an empty file, then rename.
        try:
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            raise _taken(named) from None
        os.replace(tmp, target)
        return
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def _temporary_prefix(name: str, folder: Path) -> str:
    """`.NAME.` for the temporary file, shortened so the whole temporary name (plus mkstemp's
    eight random characters and `.tmp`) stays within the file system's limit on a name: a
    legal 245-character output name must not fail because its temporary one is too long. A
    shortened name keeps a digest of the whole one, so it still tells targets apart."""
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    room = limit - len(".") - len(".") - 8 - len(".tmp")
    encoded = name.encode("utf-8", "surrogateescape")
    if len(encoded) <= room:
        return f".{name}."
    digest = hashlib.sha256(encoded).hexdigest()[:8]
    kept = encoded[: room - len(digest) - 1].decode("utf-8", "ignore")
    return f".{kept}~{digest}."


def _check_ancestors(path: Path) -> None:
    """With folders to be made, the nearest existing ancestor must be a folder to make them in."""
    for ancestor in path.parents:
        if ancestor.exists() or ancestor.is_symlink():
            if not ancestor.is_dir():
                raise _refusal(path, f"{ancestor} is not a folder")
            return


def _refuse_process_links(path: Path) -> None:
    """`/dev/stdout` and `/dev/fd/N` are links into /proc, where each names whatever a process
    has open: a terminal, a pipe, or the file its output was redirected to. Writing through one
    would replace that file behind the shell's back; refuse them all, and point at `-o -`."""
    hop = Path(os.path.abspath(path))
    for _ in range(_MAX_LINK_HOPS):
        if not hop.is_symlink():
            return
        if os.path.realpath(hop.parent).startswith("/proc/"):
            raise _refusal(path, "is a link to a process's open file (like /dev/stdout); write "
                           "to a file, or use -o - for standard output")
        hop = Path(os.path.abspath(hop.parent / os.readlink(hop)))


def _taken(path: Path) -> OutputFileError:
    return _refusal(path, "already exists (another run may have created it since this one "
                    "started); not overwriting it")


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "a special file")


def _refusal(path: Path, message: str) -> OutputFileError:
    return OutputFileError(Problem(str(path), "", message, code="io"))


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
