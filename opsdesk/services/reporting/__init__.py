"""Mandated reporting from the committee's record: the US federal AI use case inventory (OMB M-25-21, 2025 data
dictionary: the individual use case file and the consolidated COTS file), readiness against the dictionary's
rules, imports of published inventories (2023, 2024 and 2025 shapes), and UK Algorithmic Transparency Recording
Standard (ATRS) records. Owns the inventory record of each initiative and the consolidated COTS answers
(``opsdesk.store.models.reporting``).

May import: the kernel (``opsdesk.store``), ``opsdesk.domain``, ``opsdesk.ingest`` and ``opsdesk.analytics``.
No other service package (it reads the register through the store)."""
