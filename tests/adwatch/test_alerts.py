"""Saved-search alert e-mails through a real SMTP server on 127.0.0.1 (aiosmtpd), on SQLite and PostgreSQL."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from adwatch.alerts import compose, display_name, send_alert_mails
from adwatch.cli import app as cli
from config.settings import AppSettings
from storage import people_repo
from storage.models import Ad, AdVersion, AuditLog, utcnow
from storage.models.people import SavedSearch
from tests.dashboard.seed import seed, user


class Inbox:
    """Inbox: an aiosmtpd handler keeping every accepted message."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[attr-defined]
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def _mail_settings(settings: AppSettings, port: int) -> AppSettings:
    return settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none",
                                       "public_url": "https://adwatch.example.org/"})


def _expected_new(session: Session, word: str, since: object) -> int:
    """Counted independently of the search code: current versions whose title or text has ``word``."""
    stmt = (select(func.count()).select_from(Ad).join(AdVersion, AdVersion.id == Ad.current_version_id)
            .where(Ad.first_seen_at > since,
                   func.lower(AdVersion.title + " " + func.coalesce(AdVersion.text, "")).contains(word.lower())))
    return int(session.scalar(stmt) or 0)


def _saved(session: Session, settings: AppSettings, *, query: str, name: str, days_back: int) -> SavedSearch:
    seed(session, settings.blobs_dir)
    anna = user(session, "anna")
    people_repo.set_user_email(session=session, user=anna, email="anna@ngo.example")
    saved = people_repo.create_saved_search(session=session, user=anna, name=name, query=query)
    people_repo.set_saved_search_email(session=session, saved=saved, on=True)
    saved.last_emailed_at = utcnow() - timedelta(days=days_back)
    session.commit()
    return saved


def test_alert_email_sent_once_with_count_and_link_only(session: Session, settings: AppSettings,
                                                         smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    saved = _saved(session, settings, query="Sofie", name="Sofie ads", days_back=2)
    since = saved.last_emailed_at
    expected = _expected_new(session, "sofie", since)
    assert expected > 0
    cfg = _mail_settings(settings, port)

    result = send_alert_mails(session, cfg)
    assert (result.sent, result.failed) == (1, [])
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    body = mail.get_content()  # type: ignore[attr-defined]
    assert mail["To"] == "anna@ngo.example"
    assert str(expected) in mail["Subject"] and "Sofie ads" in mail["Subject"]
    assert f"https://adwatch.example.org/search?saved={saved.id}" in body
    assert "+45" not in body and "massage" not in body.lower()  # no ad text, no contact details
    session.refresh(saved)
    assert saved.last_emailed_at is not None and saved.last_emailed_at > since
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "alert.email")).all()
    assert [(a.object_id, a.detail["new_ads"]) for a in audit] == [(str(saved.id), expected)]

    again = send_alert_mails(session, cfg)  # nothing new since the e-mail
    assert (again.sent, again.nothing_new) == (0, 1) and len(inbox.messages) == 1


def test_mail_server_down_loses_nothing(session: Session, settings: AppSettings) -> None:
    saved = _saved(session, settings, query="Sofie", name="Sofie ads", days_back=2)
    before = saved.last_emailed_at
    result = send_alert_mails(session, _mail_settings(settings, _free_port()))  # nobody listens there
    assert result.sent == 0 and len(result.failed) == 1 and "ConnectionRefused" in result.failed[0]
    session.refresh(saved)
    assert saved.last_emailed_at == before  # the next run counts the same ads again


def test_no_mail_without_smtp_host_or_address(session: Session, settings: AppSettings,
                                              smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    saved = _saved(session, settings, query="Sofie", name="Sofie ads", days_back=2)
    assert send_alert_mails(session, settings).disabled  # ADWATCH_SMTP_HOST unset
    people_repo.set_user_email(session=session, user=user(session, "anna"), email="")
    session.commit()
    assert send_alert_mails(session, _mail_settings(settings, port)).sent == 0
    people_repo.set_user_email(session=session, user=user(session, "anna"), email="anna@ngo.example")
    people_repo.set_user_active(session=session, user=user(session, "anna"), active=False)
    session.commit()
    assert send_alert_mails(session, _mail_settings(settings, port)).sent == 0
    assert inbox.messages == [] and saved.id


def test_a_query_or_number_never_appears_in_the_mail(session: Session, settings: AppSettings) -> None:
    saved = _saved(session, settings, query="+45 21 45 63 55", name="+45 21 45 63 55", days_back=2)
    assert display_name(saved) == f"#{saved.id}"
    saved.name = "Sofie 2145 6355"
    assert display_name(saved) == f"#{saved.id}"
    saved.name = "Istedgade, new faces"
    assert display_name(saved) == "Istedgade, new faces"
    saved.name = saved.query
    anna = user(session, "anna")
    anna.language = "da"
    mail = compose(settings, anna, saved, 3)
    text = mail.as_string()
    assert "21 45 63 55" not in text and "nye annoncer" in mail["Subject"]
    with pytest.raises(ValueError):
        people_repo.set_user_email(session=session, user=anna, email="not an address")


def test_alerts_cli(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                    smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    monkeypatch.setenv("ADWATCH_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ADWATCH_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    assert "ADWATCH_SMTP_HOST is not set" in runner.invoke(cli, ["alerts"]).output
    result = runner.invoke(cli, ["users", "add", "karin", "--role", "analyst", "--password-stdin",
                                 "--email", "karin@ngo.example"], input="a very long password\n")
    assert result.exit_code == 0, result.output
    assert runner.invoke(cli, ["users", "email", "karin", "bad address"]).exit_code == 2
    monkeypatch.setenv("ADWATCH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ADWATCH_SMTP_PORT", str(port))
    monkeypatch.setenv("ADWATCH_SMTP_SECURITY", "none")
    result = runner.invoke(cli, ["alerts"])
    assert result.exit_code == 0 and "0 sent" in result.output, result.output
    assert inbox.messages == []
