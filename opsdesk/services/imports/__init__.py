"""Importing what the Ops teams produce: the import run with its report (``runs``) and the writers that put parsed
rows into the store (``writers``). The parsing itself is ``opsdesk.ingest``.

May import: the kernel, domain, ingest, analytics, reports, and the service package ``finance`` (imported costs
are allocated by its rules)."""
