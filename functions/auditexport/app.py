"""Audit exports queue consumer: runs each requested export (docket.audit.exports) to S3."""

from __future__ import annotations

from docket.audit import exports
from docket.events.consumer import make_consumer

handler = make_consumer("auditexport", exports.handle_event)
