"""Saved-search alert e-mails: after a night's processing, tell each analyst how many new ads match.

An e-mail leaves adwatch's access control, so it carries only the search's name, a count and a link to
the dashboard (where viewing contact details is authorised and audited) — never ad text, phones, photos
or the query itself (a query may be a phone number). Every e-mail sent is audited. A mail server that is
down loses nothing: the search's ``last_emailed_at`` only moves when the e-mail was accepted, so the
next run counts the same ads again.
"""

from __future__ import annotations

import contextlib
import logging
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import urljoin

from sqlalchemy.orm import Session

from config.settings import AppSettings
from dashboard.i18n import translator
from storage import people_repo
from storage.models import utcnow
from storage.models.people import AuditLog, SavedSearch, User

log = logging.getLogger(__name__)

SMTP_TIMEOUT_S = 30
PHONE_LIKE = re.compile(r"(?:\d[\s().\-/]*){5,}")  # five or more digits, however separated


@dataclass
class AlertMailResult:
    """AlertMailResult: e-mails sent, searches with nothing new, and failures (kept for the next run)."""

    sent: int = 0
    nothing_new: int = 0
    failed: list[str] = field(default_factory=list)
    disabled: bool = False


def display_name(saved: SavedSearch) -> str:
    """display_name (str): the search's name for an e-mail, or ``#id`` when the name is the query itself or
    holds a number (a saved search is often a phone number, which must not leave adwatch)."""
    name = " ".join(saved.name.split())
    if not name or name == " ".join(saved.query.split()) or PHONE_LIKE.search(name) or "@" in name:
        return f"#{saved.id}"
    return name[:80]


def compose(settings: AppSettings, user: User, saved: SavedSearch, count: int) -> EmailMessage:
    """compose (EmailMessage): the alert in the user's interface language; name, count and link only."""
    _ = translator(user.language)
    name = display_name(saved)
    link = urljoin(settings.public_url.rstrip("/") + "/", f"search?saved={saved.id}")
    msg = EmailMessage()
    msg["Subject"] = _("adwatch: {count} new ads match \u201c{name}\u201d", count=count, name=name)
    msg["From"] = formataddr(("adwatch", settings.mail_from))
    msg["To"] = user.email or ""
    msg["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or "localhost")
    msg.set_content("\n".join([
        _("Hello {name},", name=user.username), "",
        _("Since the last alert, {count} new ads match your saved search \u201c{search}\u201d.",
          count=count, search=name),
        _("Open them in adwatch (log in first): {link}", link=link), "",
        _("This e-mail contains no ad text or contact details on purpose. "
          "Turn the e-mail alert off on the search page."),
    ]))
    return msg


def _connect(settings: AppSettings) -> smtplib.SMTP:
    host, port = settings.smtp_host or "", settings.smtp_port
    if settings.smtp_security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT_S,
                                              context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_S)
        if settings.smtp_security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
    if settings.smtp_user:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
        smtp.login(settings.smtp_user, password)
    return smtp


def send_alert_mails(session: Session, settings: AppSettings) -> AlertMailResult:
    """send_alert_mails (AlertMailResult): one e-mail per saved search with new matches; commits per e-mail.

    Only active analyst/admin accounts with an address get e-mail. Without ``ADWATCH_SMTP_HOST`` nothing is
    sent (``disabled``); the overview still flags new matches.
    """
    result = AlertMailResult(disabled=not settings.smtp_host)
    if result.disabled:
        return result
    due = people_repo.saved_searches_to_email(session=session)
    if not due:
        return result
    smtp: smtplib.SMTP | None = None
    try:
        for saved, user, count, checked_at in due:
            if count == 0:
                result.nothing_new += 1
                continue
            try:
                smtp = smtp or _connect(settings)
                smtp.send_message(compose(settings, user, saved, count))
            except (OSError, smtplib.SMTPException) as exc:
                reason = f"saved search {saved.id} ({user.username}): {type(exc).__name__}: {exc}"
                log.warning("alert e-mail not sent, will retry next run: %s", reason)
                result.failed.append(reason)
                smtp = None
                continue
            saved.last_emailed_at = checked_at
            session.add(AuditLog(user_id=None, username="scheduler", action="alert.email",
                                 object_type="saved_search", object_id=str(saved.id),
                                 detail={"to_user": user.username, "new_ads": count}, at=utcnow()))
            session.commit()
            result.sent += 1
    finally:
        if smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                smtp.quit()
    log.info("alert e-mails: %d sent, %d with nothing new, %d failed", result.sent, result.nothing_new,
             len(result.failed))
    return result
