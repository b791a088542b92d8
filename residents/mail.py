"""Sending mail: through SMTP when SMTP_HOST is set, otherwise to .eml files in the outbox
(var/outbox/) that a developer reads on /dev/outbox."""

import logging
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid
from pathlib import Path

from core import i18n
from core.errors import PlatformError
from core.i18n import N_
from core.settings import Settings

log = logging.getLogger(__name__)
SMTP_TIMEOUT_SECONDS = 15


class MailNotSent(PlatformError):
    status_code = 503
    title = N_("Email not sent")


def uses_smtp(settings: Settings) -> bool:
    return bool(settings.smtp_host)


def build_message(settings: Settings, *, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="common-purse.local")
    message.set_content(body)
    return message


def send(settings: Settings, *, to: str, subject: str, body: str) -> Path | None:
    """Send one plain-text message; returns the outbox file when written there. MailNotSent when
    the SMTP server cannot be reached or refuses it (the caller says so to the person)."""
    message = build_message(settings, to=to, subject=subject, body=body)
    if not uses_smtp(settings):
        return write_to_outbox(settings.outbox_path, message)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("mail to the SMTP server %s:%s failed: %s", settings.smtp_host, settings.smtp_port, error)
        raise MailNotSent(i18n.gettext("The email could not be sent just now. Try again in a few minutes.")) from error
    return None


def write_to_outbox(outbox: Path, message: EmailMessage) -> Path:
    outbox.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = outbox / f"{stamp}-{secrets.token_hex(4)}.eml"
    # Owner-only: the messages carry sign-in links.
    path.touch(mode=0o600, exist_ok=False)
    path.write_bytes(message.as_bytes(policy=policy.SMTP))
    return path


@dataclass(frozen=True)
class OutboxMessage:
    name: str
    to: str
    subject: str
    date: str
    body: str


def read_outbox(outbox: Path, limit: int = 50) -> list[OutboxMessage]:
    """The newest messages first."""
    if not outbox.is_dir():
        return []
    messages = []
    for path in sorted(outbox.glob("*.eml"), reverse=True)[:limit]:
        parsed = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        part = parsed.get_body(preferencelist=("plain",))
        messages.append(OutboxMessage(name=path.name, to=str(parsed["To"] or ""), subject=str(parsed["Subject"] or ""),
                                      date=str(parsed["Date"] or ""), body=part.get_content() if part else ""))
    return messages


def sign_in_message(settings: Settings, link: str) -> tuple[str, str]:
    """Subject and body of the sign-in email."""
    minutes = settings.resident_link_minutes
    # In the language of the page the resident asked from.
    return (i18n.gettext("Your sign-in link for %(site)s", site=settings.site_name), (
        i18n.gettext("Hello,\n\nSomeone (we hope you) asked to sign in to %(site)s with this email address.\n"
                     "To sign in, open this link and press \"Sign in\":", site=settings.site_name)
        + f"\n\n{link}\n\n"
        + i18n.gettext("The link works once, for %(minutes)s minutes. If you did not ask for it, ignore this email: "
                       "nothing happens unless the link is used.", minutes=minutes) + "\n"))
