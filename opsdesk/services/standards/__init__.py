"""Common standards and people's skills: the standards catalogue (``catalog``), conformance and waivers, the starter
standard library (``library``), skills and training, and the skills CSV import/export.

May import: the kernel, domain, ingest, analytics and reports. No other service package."""
