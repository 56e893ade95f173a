"""Role × route matrix: every route of the app, for admin, analyst, outreach and anonymous visitors.

A new route fails ``test_matrix_covers_every_route`` until it is added here with its allowed roles.
"""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

from dashboard.routes import ROUTERS
from tests.dashboard.seed import Seeded

ALL = {"admin", "analyst", "outreach"}
STAFF = {"admin", "analyst"}
ANALYST = {"analyst"}
LEADS = {"analyst", "outreach"}
ADMIN = {"admin"}

# (method, path pattern as registered, allowed roles, form or JSON body). Placeholders are filled from seed.
MATRIX: list[tuple[str, str, set[str], dict | None]] = [
    ("GET", "/overview", STAFF, None),
    ("GET", "/review", ANALYST, None),
    ("GET", "/ads/{ad_id}", ANALYST, None),
    ("POST", "/ads/{ad_id}/label", ANALYST, {"value": "unsure"}),
    ("GET", "/photos/{photo_id}", ANALYST, None),
    ("GET", "/networks", ANALYST, None),
    ("GET", "/networks/{cluster_id}", ANALYST, None),
    ("GET", "/networks/{cluster_id}/graph.json", ANALYST, None),
    ("POST", "/networks/{cluster_id}/label", ANALYST, {"value": "concern"}),
    ("POST", "/networks/{cluster_id}/merge", STAFF, {"other_id": "{other_cluster_id}"}),
    ("POST", "/networks/{cluster_id}/split", STAFF, {"ad_id": "{split_ad}"}),
    ("POST", "/networks/{cluster_id}/decisions/{decision_id}/revoke", STAFF, {"reason": "matrix"}),
    ("GET", "/search", ANALYST, None),
    ("POST", "/search/saved", ANALYST, {"name": "x", "q": "anna"}),
    ("POST", "/search/saved/{saved_id}/delete", set(), None),  # only the owner; nobody owns id 999999
    ("POST", "/search/saved/{saved_id}/email", set(), {"on": "true"}),  # only the owner, as above
    ("GET", "/leads", LEADS, None),
    ("GET", "/leads/export.csv", LEADS, None),
    ("GET", "/leads/{lead_id}", LEADS, None),
    ("POST", "/ads/{ad_id}/promote", ANALYST, {"note": "matrix"}),
    ("POST", "/leads/{lead_id}/assign", ANALYST, {"assignee_id": ""}),
    ("POST", "/leads/{lead_id}/status", LEADS, {"status": "contacted"}),
    ("POST", "/leads/{lead_id}/note", LEADS, {"note": "called"}),
    ("POST", "/leads/{lead_id}/referral", LEADS, {"partner_id": "1"}),
    ("GET", "/partners", ALL, None),
    ("POST", "/partners", STAFF, {"name": "Matrix Partner"}),
    ("GET", "/admin/users", ADMIN, None),
    ("POST", "/admin/users", ADMIN, {"username": "newbie", "role": "analyst", "password": "a long password 1"}),
    ("POST", "/admin/users/{user_id}/active", ADMIN, {"active": "false"}),
    ("POST", "/admin/users/{user_id}/role", ADMIN, {"role": "analyst"}),
    ("POST", "/admin/users/{user_id}/password", ADMIN, {"password": "another long password"}),
    ("POST", "/admin/users/{user_id}/email", ADMIN, {"email": "someone@ngo.example"}),
    ("GET", "/admin/sites", ADMIN, None),
    ("POST", "/admin/sites/{site_id}/enabled", ADMIN, {"enabled": "false"}),
    ("POST", "/admin/sites/{site_id}/run", ADMIN, {}),
    ("GET", "/admin/retention", ADMIN, None),
    ("GET", "/admin/audit", ADMIN, None),
    ("GET", "/admin/audit.csv", ADMIN, None),
    ("GET", "/admin/bias", ADMIN, None),
    ("GET", "/api/me", ALL, None),
    ("GET", "/api/review", ANALYST, None),
    ("GET", "/api/search", ANALYST, None),
    ("GET", "/api/ads/{ad_id}", ANALYST, None),
    ("POST", "/api/ads/{ad_id}/labels", ANALYST, {"value": "concern"}),
    ("GET", "/api/leads", LEADS, None),
    ("GET", "/api/leads/{lead_id}", LEADS, None),
    ("PATCH", "/api/leads/{lead_id}", LEADS, {"status": "contacted"}),
    ("POST", "/api/networks/{cluster_id}/merge", STAFF, {"other_cluster_id": "{other_cluster_id}"}),
    ("POST", "/api/networks/{cluster_id}/split", STAFF, {"ad_ids": ["{split_ad}"]}),
    ("GET", "/api/networks/{cluster_id}/decisions", STAFF, None),
    ("POST", "/api/decisions/{decision_id}/revoke", STAFF, {"reason": "matrix"}),
    ("GET", "/api/sites", STAFF, None),
    ("GET", "/api/audit", ADMIN, None),
]
# Routes open to everyone by design (login itself, the language switch, the public API schema).
PUBLIC = {("GET", "/"), ("GET", "/login"), ("POST", "/login"), ("POST", "/logout"), ("POST", "/lang"),
          ("GET", "/api/openapi.json")}


def fill(path: str, s: Seeded) -> str:
    # The page and the API each undo their own seeded decision (undoing one twice answers 409).
    decision = s.decisions[1] if path.startswith("/api/") else s.decisions[0]
    return (path.replace("{ad_id}", str(s.ads[0])).replace("{photo_id}", str(s.photo_id))
            .replace("{cluster_id}", str(s.cluster_id)).replace("{lead_id}", str(s.lead_mine))
            .replace("{user_id}", str(s.users["olga"])).replace("{site_id}", s.site_id)
            .replace("{saved_id}", "999999").replace("{decision_id}", str(decision)))


def fill_body(body: dict | None, s: Seeded, *, api: bool) -> dict:
    """Placeholders in bodies: ``{other_cluster_id}`` and ``{split_ad}`` (an ad of the seeded network that no
    seeded decision names); numbers for the API's JSON, strings for forms."""
    def one(v: object) -> object:
        if isinstance(v, list):
            return [one(x) for x in v]
        if isinstance(v, str) and v.startswith("{"):
            n = {"{other_cluster_id}": s.other_cluster_id, "{split_ad}": s.ads[1]}[v]
            return n if api else str(n)
        return v
    return {k: one(v) for k, v in (body or {}).items()}


QUERY = {"/search": "?q=anna", "/api/search": "?q=anna"}


def test_matrix_covers_every_route() -> None:
    registered = {("GET", "/api/openapi.json")}
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute):
                for method in route.methods - {"HEAD"}:
                    registered.add((method, route.path))
    covered = {(m, p) for m, p, _, _ in MATRIX} | PUBLIC
    assert registered - covered == set(), "routes missing from the role matrix"
    assert covered - registered == set(), "matrix names routes that do not exist"


@pytest.mark.parametrize("role", ["admin", "analyst", "outreach", None])
def test_role_matrix(role: str | None, client_for, seeded: Seeded) -> None:
    username = {"admin": "admin", "analyst": "anna", "outreach": "otto", None: None}[role]
    client = client_for(username)
    failures = []
    for method, pattern, allowed, body in MATRIX:
        path = fill(pattern, seeded) + QUERY.get(pattern, "")
        is_api = pattern.startswith("/api/")
        headers = {"X-CSRF-Token": client.csrf}
        if method == "GET":
            resp = client.get(path, follow_redirects=False)
        elif is_api:
            resp = client.request(method, path, json=fill_body(body, seeded, api=True), headers=headers,
                                  follow_redirects=False)
        else:
            resp = client.post_form(path, fill_body(body, seeded, api=False))
        if role is None:
            expected = {401} if is_api else {303}
            if not is_api and resp.status_code == 303:
                assert resp.headers["location"].startswith("/login"), pattern
        elif role in allowed:
            expected = {200, 201, 303}
        else:
            expected = {403, 404}
        if resp.status_code not in expected:
            failures.append(f"{role}: {method} {path} -> {resp.status_code} (expected {sorted(expected)})")
    assert not failures, "\n".join(failures)


def test_outreach_cannot_see_other_workers_lead(client_for, seeded: Seeded) -> None:
    otto = client_for("otto")
    assert otto.get(f"/leads/{seeded.lead_other}").status_code == 404
    assert otto.get(f"/api/leads/{seeded.lead_other}").status_code == 404
    resp = otto.post_form(f"/leads/{seeded.lead_other}/status", {"status": "closed"})
    assert resp.status_code == 404
    listing = otto.get("/leads").text
    assert f"/leads/{seeded.lead_mine}" in listing and f"/leads/{seeded.lead_other}" not in listing
    ids = [lead["id"] for lead in otto.get("/api/leads").json()]
    assert ids == [seeded.lead_mine]
    csv_text = otto.get("/leads/export.csv").text
    assert str(seeded.lead_other) not in [line.split(",")[0] for line in csv_text.splitlines()[1:]]
