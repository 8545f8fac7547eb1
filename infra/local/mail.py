"""The local mailbox: mail sent through SES (moto keeps it in memory), as JSON."""

from __future__ import annotations

import email
from email import policy
from typing import Any

from moto.ses.models import ses_backends

from infra.local.aws import ACCOUNT, REGION


def _backend() -> Any:
    return ses_backends[ACCOUNT][REGION]


def _from_raw(raw: Any) -> dict[str, Any]:
    message = email.message_from_string(raw.raw_data, policy=policy.default)
    text = html = None
    for part in message.walk():
        if part.get_content_maintype() == "multipart":
            continue
        if part.get_content_type() == "text/plain" and text is None:
            text = part.get_content()
        elif part.get_content_type() == "text/html" and html is None:
            html = part.get_content()
    recipients = list(getattr(raw, "destinations", None) or []) or [
        a.strip() for a in str(message.get("To", "")).split(",") if a.strip()
    ]
    return {
        "id": raw.id,
        "from": str(message.get("From", raw.source)),
        "to": recipients,
        "subject": str(message.get("Subject", "")),
        "text": text,
        "html": html,
    }


def _from_simple(sent: Any) -> dict[str, Any]:
    body = getattr(sent, "body", "") or ""
    looks_html = body.lstrip().startswith("<")
    destinations = getattr(sent, "destinations", {}) or {}
    return {
        "id": sent.id,
        "from": sent.source,
        "to": [a for addresses in destinations.values() for a in addresses],
        "subject": getattr(sent, "subject", ""),
        "text": None if looks_html else body,
        "html": body if looks_html else None,
    }


def messages(to: str | None = None) -> list[dict[str, Any]]:
    """Every mail sent so far, newest first (optionally only those to `to`)."""
    found = []
    for sent in _backend().sent_messages:
        found.append(_from_raw(sent) if hasattr(sent, "raw_data") else _from_simple(sent))
    found.reverse()
    if to:
        found = [m for m in found if to.lower() in (a.lower() for a in m["to"])]
    return found


def clear() -> None:
    _backend().sent_messages.clear()
