"""'Run now' requests: queued by an admin, taken once by the scheduler; a disabled site is reported."""

from storage.crawl_repo import ensure_site, request_crawl, site_disabled, take_crawl_requests
from storage.models import Site


def test_requests_are_taken_once_per_site(session):
    ensure_site(session=session, site_id="site_a", name="A")
    ensure_site(session=session, site_id="site_b", name="B")
    for site_id in ("site_a", "site_b", "site_a"):
        request_crawl(session=session, site_id=site_id, requested_by="admin")
    session.commit()
    assert take_crawl_requests(session=session) == ["site_a", "site_b"]
    assert take_crawl_requests(session=session) == []


def test_site_disabled_follows_the_dashboard_switch(session):
    ensure_site(session=session, site_id="site_a", name="A")
    assert not site_disabled(session=session, site_id="site_a")
    assert not site_disabled(session=session, site_id="unknown")  # not crawled yet: YAML decides
    session.get(Site, "site_a").enabled = False
    session.commit()
    assert site_disabled(session=session, site_id="site_a")
