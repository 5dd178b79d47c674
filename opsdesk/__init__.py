"""OpsDesk: the AI governance committee's desktop workspace."""

from __future__ import annotations

from functools import cache


@cache
def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("opsdesk")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0+local"


def __getattr__(name: str) -> str:
    # read from the installed metadata when first asked for (importlib.metadata costs ~0.1 s at every start)
    if name == "__version__":
        return _version()
    raise AttributeError(f"module 'opsdesk' has no attribute {name!r}")
