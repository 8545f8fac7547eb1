"""Outgoing mail through SES, as MIME with a text and an HTML part."""

from __future__ import annotations

from email.message import EmailMessage

from botocore.exceptions import BotoCoreError, ClientError

from docket.aws import client
from docket.observability import logger
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


def send_after_commit(to: str, subject: str, text: str, html: str | None = None) -> str | None:
    """`send` for mail that follows a write already committed (a sign-up's verification mail): a
    failure to send is logged, never a failed request — the write stands, and the mail can be asked
    for again (resend-verification, forgot-password)."""
    try:
        return send(to, subject, text, html)
    except (BotoCoreError, ClientError):
        logger.exception("mail not sent", extra={"subject": subject})
        return None
