"""End to end in real headless Chromium against uvicorn in a subprocess.

An admin creates an analyst and an outreach worker; the analyst triages the queue by keyboard, opens an ad
with highlighted evidence and a blurred photo, opens its network graph and splits an ad off it, labels the
ad, promotes a lead and assigns it; the outreach worker sees only that lead, updates its status and exports
the CSV; the audit log shows all of it. A screenshot of each page goes to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import AppSettings
from storage.db import make_engine, make_session_factory
from tests.conftest import skip_or_fail
from tests.dashboard.seed import PASSWORD, Seeded, seed

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_server(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dashboard exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(url)


@pytest.fixture
def world(sqlite_url: str, tmp_path: Path) -> tuple[AppSettings, Seeded]:
    settings = AppSettings(env="test", data_dir=tmp_path / "data", database_url=sqlite_url,
                           secret_key="e2e-secret-" + os.urandom(8).hex())
    engine = make_engine(sqlite_url)
    with make_session_factory(engine)() as session:
        seeded = seed(session, settings.blobs_dir, users=("admin", "olga"))
    engine.dispose()
    return settings, seeded


@pytest.fixture
def server(world: tuple[AppSettings, Seeded]) -> Iterator[str]:
    settings, _ = world
    port = free_port()
    env = {**os.environ, "ADWATCH_ENV": settings.env, "ADWATCH_DATABASE_URL": settings.db_url,
           "ADWATCH_DATA_DIR": str(settings.data_dir), "ADWATCH_SECRET_KEY": settings.secret_key,
           "ADWATCH_LOG_LEVEL": "WARNING"}
    code = ("from config.settings import AppSettings; from dashboard.app import serve_dashboard; "
            f"serve_dashboard(AppSettings(), '127.0.0.1', {port})")
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT)
    base = f"http://localhost:{port}"
    try:
        wait_for_server(f"http://127.0.0.1:{port}/login", proc)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def chromium_browser(world: tuple[AppSettings, Seeded]):
    settings, _ = world
    executable = settings.chromium_path or "/usr/bin/chromium"
    if not Path(executable).exists():
        skip_or_fail(f"no Chromium at {executable}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class Session_:
    """One person's browser context, with screenshots and a record of console errors."""

    def __init__(self, browser, base: str, name: str) -> None:
        self.context = browser.new_context(viewport={"width": 1360, "height": 900}, accept_downloads=True,
                                           locale="en-GB", extra_http_headers={"Accept-Language": "en"})
        self.page = self.context.new_page()
        self.base = base
        self.name = name
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def shot(self, name: str, full: bool = True) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        if full:  # the sidebar is sticky: a full-page shot taken scrolled down would draw it mid-page
            self.page.evaluate("window.scrollTo(0, 0)")
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)

    def login(self, username: str, password: str = PASSWORD) -> None:
        self.go("/login")
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def logout(self) -> None:
        self.page.click("form[action='/logout'] button")
        self.page.wait_for_url("**/login")

    def close(self) -> None:
        assert not self.errors, f"{self.name}: browser console errors: {self.errors}"
        self.context.close()


def test_end_to_end(chromium_browser, server: str, world: tuple[AppSettings, Seeded]) -> None:
    _, seeded = world
    new_password = "a long enough password"

    # --- admin creates the analyst and the outreach worker
    admin = Session_(chromium_browser, server, "admin")
    admin.go("/login")
    admin.shot("01-login", full=False)
    admin.login("admin")
    for username, role in (("sara", "analyst"), ("omar", "outreach")):
        admin.go("/admin/users")
        admin.page.fill("#nu-name", username)
        admin.page.select_option("#nu-role", role)
        admin.page.fill("#nu-pw", new_password)
        admin.page.click("#new-user button[type=submit]")
        admin.page.wait_for_selector(f"tr[data-user='{username}']")
    admin.shot("02-admin-users")
    admin.logout()

    # --- the analyst
    ana = Session_(chromium_browser, server, "analyst")
    ana.login("sara", new_password)
    assert ana.page.url.endswith("/overview")
    ana.shot("03-overview")
    ana.go("/review")
    ana.page.wait_for_selector("tr[data-ad].sel")
    ana.shot("04-review-queue")
    # Keyboard triage: the first row is selected; j moves down, 2 labels it "no concern".
    ana.page.keyboard.press("j")
    second = ana.page.get_attribute("tr[data-ad].sel", "data-ad")
    ana.page.keyboard.press("2")
    ana.page.wait_for_selector(f"#label-{second} .badge.b-no_concern")

    # The hostile ad renders as text; nothing it contains runs.
    ana.go(f"/ads/{seeded.xss_ad}")
    assert ana.page.evaluate("typeof window.__xss") == "undefined"
    assert "<script>window.__xss=1</script>" in ana.page.inner_text("#ad-text")

    ad_id = seeded.ads[0]
    ana.go("/review")
    ana.page.click(f"tr[data-ad='{ad_id}'] a[href='/ads/{ad_id}']")
    ana.page.wait_for_selector("#ad-text mark.ev")
    marks = ana.page.locator("#ad-text mark.ev")
    assert marks.count() >= 2 and marks.first.inner_text() == "New in town"
    photo = ana.page.locator("button.photo").first
    assert "blurred" in photo.get_attribute("class")
    blur = ana.page.eval_on_selector("button.photo img", "e => getComputedStyle(e).filter")
    assert "blur" in blur
    ana.shot("05-ad-evidence-blurred")
    photo.click()
    assert "blurred" not in photo.get_attribute("class")
    ana.page.eval_on_selector("button.photo img", "e => e.complete && e.naturalWidth")  # the image loaded
    ana.shot("06-ad-photo-revealed", full=False)
    photo.click()  # blur again before moving on

    # Its network graph.
    ana.page.click(f"a[href='/networks/{seeded.cluster_id}']")
    ana.page.wait_for_selector("svg#graph[data-ready='1'] circle.ad")
    assert ana.page.locator("svg#graph circle").count() >= 5
    ana.shot("07-network")
    # The analyst splits one ad off into a network of its own: pending until the link stage applies it.
    split_ad = seeded.ads[1]
    ana.page.check(f"input[name=ad_id][value='{split_ad}']")
    ana.page.fill("#split-form textarea[name=note]", "Different person: other city, other photos")
    ana.page.click("#split-form button[type=submit]")
    ana.page.wait_for_selector("ul.decisions li:first-child .badge.b-warn")
    first = ana.page.inner_text("ul.decisions li:first-child")
    assert f"#{seeded.cluster_id}" in first and "Different person" in first and "sara" in first
    assert f"#{split_ad}" in first  # the selected ad is listed
    ana.page.locator("#decisions").scroll_into_view_if_needed()
    ana.shot("07b-network-split", full=True)
    ana.go(f"/ads/{ad_id}")

    # Label and promote to a lead assigned to omar.
    ana.page.fill("form[action$='/label'] textarea[name=note]", "Third party writes; same phone on 4 ads")
    ana.page.click("form[action$='/label'] button[value=concern]")
    ana.page.wait_for_selector("ul.labels .b-concern")
    ana.page.select_option("#assignee", label="omar")
    ana.page.fill("form[action$='/promote'] textarea[name=note]", "Network of 4 ads, one phone")
    ana.page.click("form[action$='/promote'] button[type=submit]")
    ana.page.wait_for_url("**/leads/*")
    lead_id = int(ana.page.url.rsplit("/", 1)[1])
    assert "omar" in ana.page.inner_text("#assign-form")
    ana.shot("08-lead-analyst")
    ana.go("/leads")
    ana.shot("09-leads-analyst")
    ana.close()

    # --- the outreach worker
    out = Session_(chromium_browser, server, "outreach")
    out.login("omar", new_password)
    assert out.page.url.endswith("/leads")
    links = out.page.locator("table a[href^='/leads/']")
    assert links.count() == 1 and links.first.get_attribute("href") == f"/leads/{lead_id}"
    out.shot("10-outreach-leads")
    out.go(f"/leads/{seeded.lead_other}")
    assert "404" in out.page.inner_text("main")
    out.go("/review")
    assert "403" in out.page.inner_text("main")
    out.errors.clear()  # the two refusals above log "Failed to load resource" by design
    out.go(f"/leads/{lead_id}")
    out.page.select_option("#status", "contacted")
    out.page.fill("#status-form textarea[name=note]", "SMS sent in Romanian; replied")
    out.page.click("#status-form button[type=submit]")
    out.page.wait_for_selector("#lead-status .b-contacted")
    out.shot("11-outreach-lead")
    out.go("/leads")
    with out.page.expect_download() as dl:
        out.page.click("#export-csv")
    path = dl.value.path()
    content = Path(path).read_text(encoding="utf-8-sig")
    lines = content.strip().splitlines()
    assert lines[0].startswith("lead_id,status") and len(lines) == 2 and lines[1].startswith(f"{lead_id},contacted")
    out.close()

    # --- the admin reads the audit log
    admin.login("admin")
    admin.go("/admin/audit")
    text = admin.page.inner_text("#audit-table")
    for action in ("user.create", "login", "ad.view", "label.add", "network.split", "lead.promote", "lead.assign",
                   "lead.view", "lead.status", "export.outreach_csv"):
        assert action in text, action
    admin.shot("12-audit-log")
    admin.go("/admin/bias")
    admin.shot("13-bias-report")
    admin.go("/admin/sites")
    admin.shot("14-sites")
    # Danish interface.
    admin.page.click("form.langs button[value=da]")
    admin.page.wait_for_load_state("networkidle")
    assert "Brugere" in admin.page.inner_text("nav")
    admin.go("/admin/users")
    admin.shot("15-admin-users-da")
    admin.close()


