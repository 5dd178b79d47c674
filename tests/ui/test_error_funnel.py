"""One funnel for errors: unexpected exceptions are logged with their traceback; user errors are plain."""

from __future__ import annotations

import logging
import sys

from opsdesk.errors import ValidationError
from opsdesk.ui import errors


def test_unexpected_exception_is_logged_with_traceback(caplog, qapp):
    errors.install()
    try:
        raise RuntimeError("boom in a slot")
    except RuntimeError:
        exc_type, exc, tb = sys.exc_info()
    with caplog.at_level(logging.ERROR, logger="opsdesk.ui.errors"):
        sys.excepthook(exc_type, exc, tb)
    assert "boom in a slot" in caplog.text and "Traceback" in caplog.text
    sys.excepthook = sys.__excepthook__


def test_user_error_is_a_plain_message_without_traceback(caplog, qapp):
    with caplog.at_level(logging.INFO, logger="opsdesk.ui.errors"):
        errors.handle(ValidationError, ValidationError("budget", "must be at least 0"), None)
    assert "budget: must be at least 0" in caplog.text and "Traceback" not in caplog.text


def test_an_error_before_the_window_is_painted_is_shown_once_it_is(qapp, monkeypatch):
    """A start connects the bug dialog after the window's first paint (see opsdesk.ui.app); an error raised
    before that is logged at once and its dialog comes once the dialog is connected, from the event loop."""
    shown: list[str] = []
    monkeypatch.setattr(errors, "_show_bug", lambda summary, _details: shown.append(summary))
    errors.install(connect=False)
    try:
        errors.handle(RuntimeError, RuntimeError("early"), None)
        qapp.processEvents()
        assert shown == []
        errors.connect_dialog()
        assert shown == []  # queued: never inside the hook that caught the error
        qapp.processEvents()
        assert shown == ["RuntimeError: early"]
        errors.handle(RuntimeError, RuntimeError("later"), None)
        qapp.processEvents()
        assert shown == ["RuntimeError: early", "RuntimeError: later"]
    finally:
        sys.excepthook = sys.__excepthook__
