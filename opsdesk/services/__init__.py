"""Use cases, one package per capability. Each public function is one user action: it opens one transaction,
validates, writes an audit event with every change, and returns plain DTOs. Nothing above this layer sees a
Session.

``registry``, ``finance``, ``standards``, ``committee``, ``exchange``, ``imports``, ``workspace`` and ``reporting`` say in their
docstrings what they own and which other service packages they may import (import-linter checks it); ``demo``
writes the demonstration workspace and may use them all. The kernel they stand on (the open workspace, the write
transaction, the audit chain) is ``opsdesk.store.workspace`` and ``opsdesk.store.audit``."""
