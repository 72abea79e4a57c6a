"""Finding WeasyPrint's shared libraries (Pango, HarfBuzz, fontconfig) without a compiler.

WeasyPrint opens each library by trying several names in turn (`libpango-1.0-0`, `pango-1.0-0`,
`pango-1.0`, ..., `libpango-1.0.so.0`), and cffi hands every name it cannot open to
`ctypes.util.find_library`. On Linux that runs `ldconfig -p`, then gcc, then ld, for each name:
twenty names fail on a usual system (the Windows and macOS spellings, and the optional
harfbuzz-subset and harfbuzz-vector), so loading WeasyPrint spawned about sixty processes and
took 0.15-0.25 s of every PDF record. `ldconfig_lookup` answers the same question from one
`ldconfig -p` listing while WeasyPrint loads.

Nothing about which library is loaded changes: on Linux `find_library` only ever returns a
soname, which the dynamic loader resolves as it would for WeasyPrint alone. A library that only
gcc or ld would have named is still found through the `.so.N` name WeasyPrint tries last, which
cffi opens directly; and if WeasyPrint still cannot load (a soname none of its names spell),
`pdf` loads it again with the standard lookup, so the outcome is never worse than without this.
Standard library only.
"""

from __future__ import annotations

import contextlib
import os
import re
import struct
import subprocess
import sys
from collections.abc import Iterator

_LDCONFIG = "/sbin/ldconfig"
_ABI = {"x86_64-64": "libc6,x86-64", "ppc64-64": "libc6,64bit", "sparc64-64": "libc6,64bit",
        "s390x-64": "libc6,64bit", "ia64-64": "libc6,IA-64"}
"""ldconfig's name for this machine's ABI, as ctypes.util reads it."""


@contextlib.contextmanager
def ldconfig_lookup() -> Iterator[None]:
    """While inside, `ctypes.util.find_library(name)` is read from one `ldconfig -p` listing
    (the first step of the standard lookup, without its gcc and ld fallbacks). Outside Linux, or
    without ldconfig, nothing changes."""
    listing = _listing() if sys.platform.startswith("linux") else None
    if listing is None:
        yield
        return
    import ctypes.util

    standard = ctypes.util.find_library
    ctypes.util.find_library = lambda name: find_in_listing(name, listing)
    try:
        yield
    finally:
        ctypes.util.find_library = standard


def find_in_listing(name: str, listing: bytes, abi: str | None = None) -> str | None:
    """The soname `ldconfig -p` lists for library `name` (as `libNAME.*`) on `abi` (this
    machine's by default), the way ctypes.util reads it; None when it lists none."""
    abi = abi or machine_abi()
    pattern = os.fsencode(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({re.escape(abi)}")
    found = re.search(pattern, listing)
    return os.fsdecode(found.group(1)) if found else None


def machine_abi() -> str:
    """How `ldconfig -p` names this machine's ABI ('libc6,x86-64' on a 64-bit PC)."""
    bits = "-32" if struct.calcsize("l") == 4 else "-64"
    return _ABI.get(os.uname().machine + bits, "libc6")


def _listing() -> bytes | None:
    try:
        run = subprocess.run([_LDCONFIG, "-p"], stdin=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             env={"LC_ALL": "C", "LANG": "C"}, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return run.stdout if run.returncode == 0 else None
