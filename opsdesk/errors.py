"""The exceptions OpsDesk raises for problems a user can act on.

Anything that is an ``OpsDeskError`` is shown as a plain message (CLI: one line on stderr; GUI: a message box);
anything else is a bug and goes through the exception funnel with its traceback.
"""

from __future__ import annotations


class OpsDeskError(Exception):
    """A problem the user can understand and fix."""


class ValidationError(OpsDeskError):
    """Input that breaks a rule; names the field and the reason."""

    def __init__(self, field: str, reason: str, *, entity: str | None = None) -> None:
        self.field = field
        self.reason = reason
        self.entity = entity
        where = f"{entity}.{field}" if entity else field
        super().__init__(f"{where}: {reason}")


class NotFoundError(OpsDeskError):
    def __init__(self, entity: str, key: object) -> None:
        self.entity = entity
        self.key = key
        super().__init__(f"{entity} {key!s} does not exist")


class ConflictError(OpsDeskError):
    """Someone else changed the record since it was read, or a unique value is taken."""


class WorkspaceError(OpsDeskError):
    """The workspace file cannot be opened, created, migrated or backed up."""


class WorkspaceBusy(WorkspaceError):
    """Another OpsDesk process holds the workspace in a way this action must wait for or may not share: a writer
    while a restore or replacement runs, a restore or replacement while anyone writes."""


class ReadOnlyError(OpsDeskError):
    """The workspace is open read-only."""


class ImportCancelled(OpsDeskError):
    """The user cancelled an import; its transaction was rolled back, so nothing was written."""
