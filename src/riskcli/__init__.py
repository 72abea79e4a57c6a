"""riskcli: how exposed is gated model-weight distribution to a leak? Score it, record it."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    """`riskcli.__version__`, looked up on first use: reading the installed package's metadata
    costs a few milliseconds of every start, and most commands never print the version."""
    if name != "__version__":
        raise AttributeError(f"module 'riskcli' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("riskcli")
    except PackageNotFoundError:  # running from a source tree that was never installed
        found = "0.0.0+source"
    globals()["__version__"] = found
    return found
