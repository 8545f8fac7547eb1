"""The local mailbox: mail sent through SES, read from moto's in-process backend.

moto keeps every accepted message in `ses_backends[account][region].sent_messages` (raw MIME for
`send_raw_email`, subject + one body for `send_email`, template name + data for templated mail)
but not when it was sent: `install()` stamps each message as moto creates it.
"""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy
from email.utils import getaddresses
from typing import Any

from moto.ses import models as ses_models

from infra.local.payloads import ACCOUNT, REGION

_STAMPED = "_docket_sent_at"


def install() -> None:
    """Record the send time on every SES message moto creates (idempotent)."""
    for cls in (ses_models.Message, ses_models.RawMessage, ses_models.TemplateMessage):
        if getattr(cls, "_docket_stamped", False):
            continue
        original = cls.__init__

        def stamped(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> None:
            _original(self, *args, **kwargs)
            setattr(self, _STAMPED, datetime.now(UTC))

        cls.__init__ = stamped  # type: ignore[method-assign]
        setattr(cls, "_docket_stamped", True)  # noqa: B010


def _backend() -> Any:
    return ses_models.ses_backends[ACCOUNT][REGION]


def _addresses(values: list[str]) -> list[str]:
    """Bare addresses, de-duplicated in order (moto lists a raw message's recipients twice)."""
    seen: dict[str, str] = {}
    for _, address in getaddresses(values):
        if address and address.lower() not in seen:
            seen[address.lower()] = address
    return list(seen.values())


def _sent_at(message: Any) -> str | None:
    sent: datetime | None = getattr(message, _STAMPED, None)
    return sent.isoformat(timespec="milliseconds").replace("+00:00", "Z") if sent else None


def _from_raw(raw: Any) -> dict[str, Any]:
    message = email.message_from_string(raw.raw_data, policy=policy.default)
    text = html = None
    for part in message.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        if part.get_content_type() == "text/plain" and text is None:
            text = part.get_content()
        elif part.get_content_type() == "text/html" and html is None:
            html = part.get_content()
    return {
        "id": raw.id,
        "from": str(message.get("From") or raw.source),
        "to": _addresses(list(raw.destinations or [])),
        "subject": str(message.get("Subject", "")),
        "text": text,
        "html": html,
        "sentAt": _sent_at(raw),
    }


def _from_simple(sent: Any) -> dict[str, Any]:
    # moto keeps one body: the HTML part when there is one, else the text part
    body = sent.body or ""
    looks_html = body.lstrip().startswith("<")
    return {
        "id": sent.id,
        "from": sent.source,
        "to": _addresses([a for addresses in (sent.destinations or {}).values() for a in addresses]),
        "subject": sent.subject or "",
        "text": None if looks_html else body,
        "html": body if looks_html else None,
        "sentAt": _sent_at(sent),
    }


def _from_template(sent: Any) -> dict[str, Any]:
    destinations = sent.destinations or {}
    return {
        "id": sent.id,
        "from": sent.source,
        "to": _addresses([a for addresses in destinations.values() for a in addresses]),
        "subject": f"[template {sent.template}]",
        "text": sent.template_data,
        "html": None,
        "sentAt": _sent_at(sent),
    }


def _render(sent: Any) -> dict[str, Any]:
    if isinstance(sent, ses_models.RawMessage):
        return _from_raw(sent)
    if isinstance(sent, ses_models.TemplateMessage):
        return _from_template(sent)
    return _from_simple(sent)


def messages(to: str | None = None) -> list[dict[str, Any]]:
    """Every mail sent so far, newest first; `to` keeps those addressed to that recipient."""
    found = [_render(m) for m in reversed(list(_backend().sent_messages))]
    if to:
        wanted = to.strip().lower()
        found = [m for m in found if wanted in (a.lower() for a in m["to"])]
    return found


def clear() -> None:
    _backend().sent_messages.clear()
