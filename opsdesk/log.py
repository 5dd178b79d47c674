"""Named loggers writing to a rotating file in the user data folder."""

from __future__ import annotations

import logging
import logging.handlers

from opsdesk import paths

_configured = False


def configure(level: int = logging.INFO, *, to_file: bool = True) -> None:
    global _configured
    if _configured:
        return
    _configured = True
    root = logging.getLogger("opsdesk")
    root.setLevel(level)
    if to_file:
        try:
            handler: logging.Handler = logging.handlers.RotatingFileHandler(
                paths.log_dir() / "opsdesk.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8"
            )
        except OSError:
            handler = logging.NullHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)


def get(name: str) -> logging.Logger:
    return logging.getLogger(f"opsdesk.{name}")
