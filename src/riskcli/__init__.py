"""riskcli: score how exposed gated model-weight distribution is to a leak, and record the decision."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("riskcli")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
