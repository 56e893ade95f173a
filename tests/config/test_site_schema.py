"""Site YAML validation: every bundled file loads; mistakes give coded messages naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from config.errors import ConfigError
from config.settings import CONFIG_DIR
from config.site_schema import load_site, load_site_file, load_sites

MINIMAL = {
    "id": "board", "name": "Board", "start_urls": ["https://board.example/city/"],
    "allowed_domains": ["board.example"],
    "listing": {"item_links": "a.ad::attr(href)"}, "ad": {"body": "div.text"},
}


def write(tmp_path: Path, data: dict, name: str = "board") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def problems(tmp_path: Path, **changes: object) -> str:
    data = {**MINIMAL, **changes}
    path = write(tmp_path, data)
    with pytest.raises(ConfigError) as info:
        load_site_file(path)
    text = str(info.value)
    assert str(path) in text, "the message names the file"
    return text


def test_bundled_sites_load() -> None:
    sites = load_sites(CONFIG_DIR / "sites")
    assert {"demo_rodelygte", "demo_nightlist", "demo_jsads"} <= set(sites)
    assert sites["demo_jsads"].ad.render == "browser"
    assert sites["demo_rodelygte"].age_gate is not None


def test_minimal_site_gets_documented_defaults(tmp_path: Path) -> None:
    site = load_site_file(write(tmp_path, MINIMAL))
    assert site.schedule == "0 2 * * *" and site.politeness.obey_robots is True
    assert site.politeness.concurrency == 4 and site.politeness.download_delay == 0.5
    assert site.removed_statuses == [404, 410] and site.recheck_unlisted is True
    assert site.listing.item_links[0].css == "a.ad::attr(href)" and site.ad.render == "http"
    assert site.politeness.robots_in_browser is False


def test_browser_guard_follows_the_site_file(tmp_path: Path) -> None:
    from crawler.browser_guard import BrowserRequestGuard

    default = BrowserRequestGuard.for_site(load_site_file(write(tmp_path, MINIMAL)), "ua")
    strict = BrowserRequestGuard.for_site(load_site_file(write(
        tmp_path, {**MINIMAL, "id": "strict", "politeness": {"robots_in_browser": True}}, name="strict")), "ua")
    assert default.allowed_domains == ["board.example"] and not default.obey_robots and strict.obey_robots


def test_unknown_key_is_rejected(tmp_path: Path) -> None:
    text = problems(tmp_path, ad={"body": "div.text", "phone": "td.tlf"})
    assert "[C010]" in text and "ad.phone" in text and "Extra inputs" in text


def test_bad_css_selector(tmp_path: Path) -> None:
    text = problems(tmp_path, ad={"body": "div..text"})
    assert "[C010]" in text and "ad.body" in text and "invalid selector" in text


def test_bad_xpath_and_regex(tmp_path: Path) -> None:
    text = problems(tmp_path, ad={"body": "xpath://div[", "age": {"css": "td.age", "re": "(\\d+"}})
    assert "ad.body" in text and "ad.age" in text and "invalid regex" in text


def test_selector_in_a_list_names_its_index(tmp_path: Path) -> None:
    text = problems(tmp_path, ad={"body": "div.text", "phones": ["td.tlf", "td[["]})
    assert "ad.phones[1]" in text


def test_bad_cron(tmp_path: Path) -> None:
    text = problems(tmp_path, schedule="every night")
    assert "schedule" in text and "invalid cron" in text


def test_start_url_outside_allowed_domains(tmp_path: Path) -> None:
    text = problems(tmp_path, start_urls=["https://elsewhere.example/"])
    assert "outside allowed_domains" in text


def test_robots_off_needs_legal_basis(tmp_path: Path) -> None:
    text = problems(tmp_path, politeness={"obey_robots": False})
    assert "politeness" in text and "legal_basis" in text
    ok = load_site_file(write(tmp_path, {**MINIMAL, "politeness": {"obey_robots": False,
                                                                    "legal_basis": "court order 12/2026"}}))
    assert ok.politeness.obey_robots is False


def test_actions_need_a_browser(tmp_path: Path) -> None:
    text = problems(tmp_path, ad={"body": "div.text", "actions": [{"click": "button.show"}]})
    assert "actions need render: browser" in text


def test_id_must_match_file_name_and_unknown_site(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL, name="other")
    with pytest.raises(ConfigError, match=r"\[C011\].*id"):
        load_site_file(path)
    with pytest.raises(ConfigError, match=r"\[C003\].*known sites: other"):
        load_site(tmp_path, "nope")


def test_yaml_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "board.yaml"
    path.write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[C001\]"):
        load_site_file(path)


def test_an_age_gate_needs_a_way_past_it(tmp_path: Path) -> None:
    text = problems(tmp_path, age_gate={"detect": "main.gate"})
    assert "[C010]" in text and "age_gate" in text and "follow, submit, cookies or click" in text
    text = problems(tmp_path, age_gate={"detect": "main.gate", "submit": "form..x"})
    assert "invalid selector" in text


def test_an_age_gate_form_is_accepted(tmp_path: Path) -> None:
    site = load_site_file(write(tmp_path, {**MINIMAL, "age_gate": {"detect": "main.gate", "submit": "form.ok"}}))
    assert site.age_gate is not None and site.age_gate.submit == "form.ok"
