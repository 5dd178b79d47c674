"""Risks, mitigations, impact assessments and incidents: the risk register (``risks``) with inherent and residual
ratings, mitigations and a KPI trigger; versioned AI impact assessments (``assessments``); the incident register
with corrective actions (``incidents``); what they say at a stage gate (``gate_checks``); CSV in and out
(``csv_io``).

May import: the kernel, domain, ingest, analytics and reports only — no other service package (the committee's
gates and decisions, the exchange bundles and the demo use this one)."""
