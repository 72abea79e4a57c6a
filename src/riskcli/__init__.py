"""riskcli: how exposed is gated model-weight distribution to a leak? Score it, record it."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("riskcli")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
