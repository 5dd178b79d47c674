"""The workspace as a file or a server database: create and open (``lifecycle``), backup and verified restore
(``backups``), the lock that keeps one window per file (``instance_lock``), and the trust in its record: the
workspace's Ed25519 key (``keyfile``), the signed checkpoint of the audit chain's head (``checkpoints``) and the
whole check ``opsdesk verify`` runs (``integrity``).

``Workspace`` (the kernel's open workspace) and ``redact`` (a location fit to show) are re-exported here: they are
what the window holds and shows, and the window reaches the store only through the services.

May import: the kernel, domain, ingest, analytics and reports. No other service package."""

from opsdesk.store.engine import is_server_url, redact
from opsdesk.store.workspace import Workspace

__all__ = ["Workspace", "is_server_url", "redact"]
