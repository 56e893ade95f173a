"""Alert e-mail settings in the dashboard: an admin sets a user's address, an analyst switches e-mail alerts
on a saved search, and the e-mail's link (search id only) opens the saved query."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from lxml import html as lxml_html
from sqlalchemy.orm import Session

from config.settings import AppSettings
from dashboard.app import create_app
from storage import people_repo
from storage.models.people import SavedSearch
from tests.dashboard.seed import Seeded, user


@pytest.fixture
def app(settings: AppSettings) -> Iterator[FastAPI]:
    """The dashboard with a mail server configured (nothing is sent by these pages)."""
    application = create_app(settings.model_copy(update={"smtp_host": "127.0.0.1"}))
    yield application
    application.state.engine.dispose()


def _doc(resp):
    assert resp.status_code == 200, resp.text[:300]
    return lxml_html.fromstring(resp.text)


def test_admin_sets_address_without_logging_it(app: FastAPI, client_for, seeded: Seeded, session: Session) -> None:
    admin = client_for("admin")
    anna_id = seeded.users["anna"]
    assert admin.post_form(f"/admin/users/{anna_id}/email", {"email": "not-an-address"}).status_code == 422
    assert admin.post_form(f"/admin/users/{anna_id}/email", {"email": "anna@ngo.example"}).status_code == 303
    session.expire_all()
    assert user(session, "anna").email == "anna@ngo.example"
    page = _doc(admin.get("/admin/users"))
    assert page.cssselect("tr[data-user='anna'] input[name='email'][value='anna@ngo.example']")
    assert not page.cssselect("tr[data-user='otto'] input[name='email']")  # outreach gets no alerts
    entries = people_repo.list_audit(session=session, action="user.email")
    assert entries and "anna@ngo.example" not in str(entries[0].detail)


def test_analyst_switches_email_alert_and_link_opens_saved_query(client_for, seeded: Seeded,
                                                                  session: Session) -> None:
    anna = client_for("anna")
    # Without an address the option is not offered.
    assert not _doc(anna.get("/search", params={"q": "Sofie"})).cssselect("input[name='email']")
    people_repo.set_user_email(session=session, user=user(session, "anna"), email="anna@ngo.example")
    session.commit()
    assert _doc(anna.get("/search", params={"q": "Sofie"})).cssselect("input[name='email'][type='checkbox']")
    assert anna.post_form("/search/saved", {"name": "Sofie", "q": "Sofie", "email": "true"}).status_code == 303
    session.expire_all()
    saved = session.query(SavedSearch).one()
    assert saved.email_alert and saved.last_emailed_at is not None
    assert anna.post_form(f"/search/saved/{saved.id}/email", {"on": "false"}).status_code == 303
    session.expire_all()
    assert not session.get(SavedSearch, saved.id).email_alert
    # The e-mail links to /search?saved=ID: the page runs the stored query.
    hits = _doc(anna.get("/search", params={"saved": saved.id})).cssselect("td a[href^='/ads/']")
    assert hits
    # Nobody else may switch it (the role matrix checks a foreign id answers 404 for analysts).
    assert client_for("admin").post_form(f"/search/saved/{saved.id}/email", {"on": "true"}).status_code == 403
    session.expire_all()
    assert not session.get(SavedSearch, saved.id).email_alert
