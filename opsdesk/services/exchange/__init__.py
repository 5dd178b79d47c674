"""Moving records between enclaves and engines: signed exchange bundles (``bundles``), the records they carry
(``records``), the signing keys (``keys``) and whole-workspace transfer between SQLite and PostgreSQL
(``transfer``).

May import: the kernel, domain, ingest, analytics, reports, and the service package ``workspace`` (to open and
create the target of a transfer)."""
