"""Getting started: the checklist an empty workspace opens on (name the organisation, the classification scheme,
the committee, the first initiative, imports, cost allocation, model links, the first meeting), each step's state
read from the record itself, and the actions that complete the steps that have no page of their own.

May import: the kernel, domain, ingest, analytics, reports, and the service packages ``workspace`` (the
organisation's name), ``committee`` (the charter and its markings) and ``finance`` (the allocation rule it
offers)."""
