"""Compiled content kept between runs, so a start-up does not validate and compile it again.

Checking the questionnaire and the rule pack (pydantic models, every condition compiled by Jinja,
every cross-reference) costs more than scoring a whole folder of answers. What it produces depends
only on the content's bytes and on the code that built it, so it is kept in the user's cache
folder under a key made of both:

- the bytes of every file the content was built from, and the name each was read under;
- riskcli's code (the name, size and modification time of every module of the package: a new
  version, or an edit to a checkout, gives new keys), the Python version and the versions of
  pydantic and Jinja2, whose objects are stored.

An entry is a pickle, and unpickling runs code, so an entry is only unpickled after its HMAC
checks out: a random key made for this cache folder (`secret.key`, readable by its owner only)
signs every entry under its name. An entry that was edited, truncated or moved to another name
fails the check and is built again, as is one that cannot be read; a key file another user owns,
or that others may read, turns the cache off. Deleting the folder is always safe.

Where: `$RISKCLI_CACHE_DIR`, else the platform's user cache folder (`$XDG_CACHE_HOME/riskcli`,
`~/.cache/riskcli`; `~/Library/Caches/riskcli` on macOS; `%LOCALAPPDATA%\\riskcli\\Cache` on
Windows). `RISKCLI_NO_CACHE=1` turns it off.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import jinja2
import jinja2.bccache

T = TypeVar("T")

FORMAT = b"riskcli-cache 1\n"
"""Starts every entry; a change to how entries are laid out changes it."""
KEY_FILE = "secret.key"
KEY_BYTES = 32
KEEP = 32
"""Entries of one kind kept: each edit of the content leaves one behind, the oldest go."""
_MAC_BYTES = hashlib.sha256().digest_size


def cache_dir() -> Path | None:
    """The cache folder, or None when RISKCLI_NO_CACHE turns the cache off."""
    if os.environ.get("RISKCLI_NO_CACHE", "") not in ("", "0"):
        return None
    chosen = os.environ.get("RISKCLI_CACHE_DIR")
    if chosen:
        return Path(chosen)
    try:
        return _platform_cache_dir()
    except RuntimeError:  # no home folder to be found: run without a cache
        return None


def _platform_cache_dir() -> Path:
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "riskcli" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "riskcli"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "riskcli"


def cached(kind: str, sources: Sequence[tuple[str, bytes]], build: Callable[[], T]) -> T:
    """`build()`, or what it returned before for the same `sources` (name and bytes of every
    file it reads) with the same code. `build` must read nothing but those bytes."""
    found = lookup(kind, sources)
    if found is not None:
        return found  # type: ignore[return-value]
    value = build()
    store(kind, sources, value)
    return value


def lookup(kind: str, sources: Sequence[tuple[str, bytes]]) -> object | None:
    """What `store` kept for these sources and this code, or None (never stored, cache off,
    or an entry that fails its check)."""
    place = _place(kind, sources)
    return None if place is None else _read(*place)


def store(kind: str, sources: Sequence[tuple[str, bytes]], value: object) -> None:
    place = _place(kind, sources)
    if place is not None:
        _write(*place, value, kind)


def _place(kind: str, sources: Sequence[tuple[str, bytes]]) -> tuple[Path, bytes] | None:
    folder = cache_dir()
    secret = _secret(folder) if folder is not None else None
    if folder is None or secret is None:
        return None
    return folder / f"{kind}-{_key(kind, sources)}.pickle", secret


class TemplateBytecode(jinja2.BytecodeCache):
    """Jinja's bytecode cache, kept in this signed cache: a template's compiled code (its
    checksum is of the source) under the environment's `kind`, since Jinja's own key knows
    nothing of the environment's options. Compiling the record's template costs more than
    rendering it."""

    def __init__(self, kind: str):
        self.kind = kind

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        found = lookup(self.kind, [(bucket.key, bucket.checksum.encode())])
        if isinstance(found, bytes):
            bucket.bytecode_from_string(found)  # checks Jinja's magic and the checksum

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        store(self.kind, [(bucket.key, bucket.checksum.encode())], bucket.bytecode_to_string())


def _key(kind: str, sources: Sequence[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256(FORMAT + kind.encode() + b"\0" + code_fingerprint())
    for name, raw in sources:
        digest.update(b"%d:%s%d:" % (len(name.encode()), name.encode(), len(raw)))
        digest.update(raw)
    return digest.hexdigest()[:40]


_PACKAGE = Path(__file__).resolve().parent
_fingerprints: dict[Path, bytes] = {}


def code_fingerprint(package: Path = _PACKAGE) -> bytes:
    """What built an entry: riskcli's modules (name, size, modification time), the Python
    version, pydantic's and Jinja2's. Reading riskcli's version from its metadata costs more
    than the stat calls, and says less: an edited checkout keeps its version, and installing
    another version replaces the modules."""
    found = _fingerprints.get(package)
    if found is None:
        import pydantic

        parts = [sys.version, pydantic.VERSION, jinja2.__version__]
        for folder, _, files in sorted(os.walk(package)):
            for name in sorted(files):
                if name.endswith(".py"):
                    info = os.stat(os.path.join(folder, name))
                    parts.append(f"{os.path.relpath(folder, package)}/{name}:{info.st_size}:"
                                 f"{info.st_mtime_ns}")
        found = _fingerprints[package] = hashlib.sha256("\n".join(parts).encode()).digest()
    return found


def _secret(folder: Path) -> bytes | None:
    """This folder's signing key, made on first use; None when it cannot be trusted or made."""
    path = folder / KEY_FILE
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".secret-", suffix=".tmp")  # mode 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(os.urandom(KEY_BYTES))
            with contextlib.suppress(FileExistsError):  # another run made it first: use theirs
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
        return _read_secret(path)
    except OSError:
        return None


def _read_secret(path: Path) -> bytes | None:
    with open(path, "rb") as handle:
        info = os.fstat(handle.fileno())
        if hasattr(os, "geteuid") and (info.st_uid != os.geteuid() or info.st_mode & 0o077):
            return None
        secret = handle.read(KEY_BYTES + 1)
    return secret if len(secret) == KEY_BYTES else None


def _mac(secret: bytes, name: str, payload: bytes) -> bytes:
    return hmac.new(secret, name.encode() + b"\0" + payload, hashlib.sha256).digest()


def _read(entry: Path, secret: bytes) -> object | None:
    try:
        data = entry.read_bytes()
    except OSError:
        return None
    head = len(FORMAT) + _MAC_BYTES
    if not data.startswith(FORMAT) or len(data) < head:
        return None
    mac, payload = data[len(FORMAT):head], data[head:]
    if not hmac.compare_digest(mac, _mac(secret, entry.name, payload)):
        return None  # edited, truncated or renamed: never unpickled
    try:
        return pickle.loads(payload)
    except Exception:  # signed by us, yet unreadable (a class moved): build it again
        return None


def _write(entry: Path, secret: bytes, value: object, kind: str) -> None:
    """Store `value`; a cache that cannot be written only costs the next run the build."""
    from riskcli.errors import RiskcliError
    from riskcli.fileio import write_atomic

    try:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return
    try:
        write_atomic(entry, FORMAT + _mac(secret, entry.name, payload) + payload)
        _prune(entry.parent, kind)
    except (OSError, RiskcliError):  # a full disk, a link where the entry goes
        return


def _prune(folder: Path, kind: str) -> None:
    entries = sorted(folder.glob(f"{kind}-*.pickle"), key=lambda p: p.stat().st_mtime_ns)
    for old in entries[:-KEEP]:
        with contextlib.suppress(OSError):
            old.unlink()
