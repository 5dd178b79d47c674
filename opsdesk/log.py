"""Named loggers writing to a rotating file in the user data folder."""

from __future__ import annotations

import logging

_configured = False
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _FileOnFirstRecord(logging.Handler):
    """The rotating log file, opened when the first record arrives: a start that logs nothing before its window
    shows does not pay for ``logging.handlers`` and the user-folder lookup first."""

    def __init__(self) -> None:
        super().__init__()
        self._target: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self._target is None:
            self._target = _rotating_file()
        self._target.handle(record)

    def close(self) -> None:
        if self._target is not None:
            self._target.close()
        super().close()


def _rotating_file() -> logging.Handler:
    import logging.handlers

    from opsdesk import paths

    handler: logging.Handler
    try:
        handler = logging.handlers.RotatingFileHandler(paths.log_dir() / "opsdesk.log", maxBytes=2_000_000,
                                                       backupCount=5, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    return handler


def configure(level: int = logging.INFO, *, to_file: bool = True) -> None:
    global _configured
    if _configured:
        return
    _configured = True
    root = logging.getLogger("opsdesk")
    root.setLevel(level)
    if to_file:
        root.addHandler(_FileOnFirstRecord())


def get(name: str) -> logging.Logger:
    return logging.getLogger(f"opsdesk.{name}")
