"""Outgoing mail through SES, as MIME with a text and an HTML part."""

from __future__ import annotations

from email.message import EmailMessage

from docket.aws import client
from docket.settings import get_settings


def send(to: str | list[str], subject: str, text: str, html: str | None = None) -> str:
    recipients = [to] if isinstance(to, str) else list(to)
    message = EmailMessage()
    message["From"] = get_settings().mail_sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    result = client("ses").send_raw_email(
        Source=get_settings().mail_sender, Destinations=recipients, RawMessage={"Data": message.as_bytes()}
    )
    return str(result["MessageId"])
