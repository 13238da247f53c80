"""Case records: a signed, offline-verifiable export of a case room, a thread or a case tag
(docs/records.md). The verifier is `messaging.verify`, which needs neither Django nor the
database."""
