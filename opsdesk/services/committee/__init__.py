"""The committee: its charter, meetings (``meetings``), agendas, stage gates, decisions' action items, the papers it
reads (briefs, the initiative dossier, meeting documents) and their export to PDF.

May import: the kernel, domain, ingest, analytics, reports, and the service packages ``registry`` (what is decided
on), ``finance`` (costs in the papers), ``standards`` (conformance and skills in the papers), ``risk`` (risks,
assessments and incidents at the gates and in the papers) and ``signing`` (to sign a paper as it is exported)."""
