"""Money: the cost ledger (``costs``), allocation rules and the allocation standards they follow, and exchange rates.

May import: the kernel, domain, ingest, analytics and reports. No other service package."""
