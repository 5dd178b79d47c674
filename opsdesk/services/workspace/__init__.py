"""The workspace as a file or a server database: create and open (``lifecycle``), backup and verified restore
(``backups``), and the lock that keeps one window per file (``instance_lock``).

``Workspace`` (the kernel's open workspace) and ``redact`` (a location fit to show) are re-exported here: they are
what the window holds and shows, and the window reaches the store only through the services.

May import: the kernel, domain, ingest, analytics and reports. No other service package."""

from opsdesk.store.engine import is_server_url, redact
from opsdesk.store.workspace import Workspace

__all__ = ["Workspace", "is_server_url", "redact"]
