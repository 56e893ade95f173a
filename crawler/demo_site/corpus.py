"""Seeded generator of the demo market: personas, networks, independents and their ads.

Why: every evaluation (crawl, extraction, linking, scoring) needs a market whose
structure is known. Networks share phones, reuse photos with transformations,
post one template text with names/ages/prices swapped and rotate personas across
cities over nights; independents have their own phone, photos and wording.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from crawler.demo_site import lexicon as lx
from crawler.demo_site import nights as nt
from crawler.demo_site import phones as ph
from crawler.demo_site.model import SITES, Ad, AdContent, Network, Persona, PhoneMention, Photo
from crawler.demo_site.texts import PriceSpec, TextSpec, age_expr, generate, price_expr

BASE_DATE = datetime(2026, 11, 2, 18, 0)
NET_INDICATORS = ("MOVEMENT", "THIRD_PARTY", "MULTIPLE_PERSONS", "ALWAYS_AVAILABLE", "UNPROTECTED",
                  "LANGUAGE_BARRIER")
DECOY_CODES = tuple(lx.DECOYS)
SITE_DA_SHARE = {"rodelygte": 0.9, "nightlist": 0.25, "jsads": 0.55}
NET_VARIANTS = ("crop", "mirror", "wm", "border", "q40", "resize", "crop+wm", "mirror+q40", "resize+border")


@dataclass
class Corpus:
    """The whole synthetic market across ``n_nights`` nights."""

    seed: int
    n_ads: int
    n_nights: int
    personas: dict[str, Persona]
    networks: dict[str, Network]
    ads: list[Ad]
    photos: dict[str, Photo]
    palette_of: dict[int, int]
    by_site: dict[str, list[Ad]] = field(default_factory=dict)
    _index: dict[tuple[str, int], Ad] = field(default_factory=dict)
    _listing_cache: dict[Any, list[Ad]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_site = {s: [a for a in self.ads if a.site == s] for s in SITES}
        self._index = {(a.site, a.external_id): a for a in self.ads}
        self._slugs = {name: slug for name, slug, _pc in lx.CITIES}

    def ad(self, site: str, external_id: int) -> Ad | None:
        """Look an ad up by site and id (present or not)."""
        return self._index.get((site, external_id))

    def ads_on(self, night: int, site: str | None = None) -> list[Ad]:
        """Ads online on ``night`` (all sites or one), newest first per site."""
        sites = [site] if site else list(SITES)
        return [a for s in sites for a in nt.listing(self, s, night)]

    def city_slug(self, city: str) -> str:
        """URL slug of a city name ("Nørrebro" -> "noerrebro")."""
        return self._slugs[city]

    def truth(self, night: int | None = None) -> list[dict[str, Any]]:
        """Ground truth records (see truth.py); ``night=None`` means every ad ever posted."""
        from crawler.demo_site.truth import truth_for

        return truth_for(self, night)


class _Builder:
    """Stateful helper that draws from one RNG so the corpus is a pure function of the seed."""

    def __init__(self, seed: int, n_ads: int, n_nights: int) -> None:
        self.seed, self.n_ads, self.n_nights = seed, n_ads, n_nights
        self.rng = random.Random(seed)
        self.dk = list(ph.dk_pool())
        self.rng.shuffle(self.dk)
        self.foreign = {cc: list(ph.foreign_pool(cc)) for cc in ph.foreign_codes()}
        for v in self.foreign.values():
            self.rng.shuffle(v)
        self.drawn: dict[str, int] = {}
        self.personas: dict[str, Persona] = {}
        self.networks: dict[str, Network] = {}
        self.ads: list[Ad] = []
        self.photos: dict[str, Photo] = {}
        self.palette_of: dict[int, int] = {}
        self.next_source = 1
        self.used_ids: set[int] = set()
        self.struct_seed: dict[str, int] = {}
        self.youth_quota = ["underage", "youth", "youth", "underage", "youth"]

    # --- small draws -------------------------------------------------------------
    def phone(self, foreign_p: float) -> str:
        """Next unused pool number (wraps around only for corpora far above 10,000 ads)."""
        cc = self.rng.choice(ph.foreign_codes()) if self.rng.random() < foreign_p else "45"
        pool = self.dk if cc == "45" else self.foreign[cc]
        i = self.drawn.get(cc, 0)
        self.drawn[cc] = i + 1
        return pool[i % len(pool)]

    def sources(self, n: int) -> list[int]:
        out = list(range(self.next_source, self.next_source + n))
        self.next_source += n
        return out

    def city(self) -> str:
        return self.rng.choices(lx.CITIES, weights=lx.CITY_WEIGHTS)[0][0]

    def persona(self, network: Network | None, nat: str | None = None) -> Persona:
        rng = self.rng
        nat = nat or rng.choices(list(lx.NAT_WEIGHTS), weights=list(lx.NAT_WEIGHTS.values()))[0]
        _en, _da, names, own = lx.NATIONALITIES[nat]
        age = min(45, int(rng.triangular(18, 46, 23)))
        youth = None
        if network is not None and self.youth_quota and rng.random() < 0.25:
            youth = self.youth_quota.pop(0)
            age = rng.choice((16, 17)) if youth == "underage" else rng.choice((18, 19))
        langs = [own]
        barrier = own not in ("en", "da") and rng.random() < 0.35
        if not barrier:
            langs += [x for x in ("en", "da") if x != own and rng.random() < (0.75 if x == "en" else 0.25)]
        if rng.random() < 0.1 and not barrier:
            langs.append(rng.choice(("ru", "de", "es")))
        pid = f"p{len(self.personas) + 1:05d}"
        name = rng.choice(names)
        handles = []
        if rng.random() < 0.3:
            for kind in rng.sample(("telegram", "snapchat", "instagram", "onlyfans", "signal"), rng.randint(1, 2)):
                value = f"{name.lower()}{rng.choice(('_', '.', ''))}{rng.randint(1, 99)}"
                handles.append({"kind": kind, "value": value})
        email = None
        if rng.random() < 0.25:
            email = f"{name.lower()}{rng.choice(('', '.', '_'))}{rng.randint(1, 999)}@{rng.choice(lx.EMAIL_DOMAINS)}"
        if network is None:
            phones = [self.phone(0.12)] + ([self.phone(0.1)] if rng.random() < 0.05 else [])
            n_cities = 1 if rng.random() < 0.85 else 2
            cities = [self.city() for _ in range(n_cities)]
        else:
            phones = list(network.phones)
            cities = []
        p = Persona(pid, name, age, nat, langs, network.id if network else None, phones,
                    self.sources(rng.randint(1, 4)), email, handles, cities, youth)
        if network is None and rng.random() < 0.06 and self.next_source > 10:
            self.palette_of[p.photo_sources[0]] = rng.randrange(1, self.next_source - 1)  # same-colour decoy
        self.personas[pid] = p
        return p

    def ext_id(self) -> int:
        while True:
            i = self.rng.randrange(100000, 1000000)
            if i not in self.used_ids:
                self.used_ids.add(i)
                return i

    def photo(self, site: str, ext: int, slot: int, source: int, variant: str, kind: str = "photo") -> Photo:
        pid = hashlib.sha1(f"{self.seed}:{site}:{ext}:{slot}".encode()).hexdigest()[:16]
        group = f"src{source:05d}" if kind == "photo" else (f"placeholder:{site}" if kind == "placeholder" else kind)
        photo = Photo(pid, source, variant, group, kind)
        self.photos[pid] = photo
        return photo

    # --- ads ---------------------------------------------------------------------
    def price(self, cheap: bool, foreign: bool) -> PriceSpec | None:
        rng = self.rng
        if rng.random() < 0.13:
            return None
        kind = rng.choices(("hour_dkk", "half_dkk", "hour_eur"), weights=(70, 15, 15 + 20 * foreign))[0]
        lo, hi = (6, 12) if cheap else (9, 30)
        amount = rng.randint(lo, hi) * 100
        if kind == "half_dkk":
            amount = amount // 2
        elif kind == "hour_eur":
            amount = round(amount / lx.EUR_DKK / 10) * 10
        overnight = rng.randint(10, 30) * 500 if rng.random() < 0.1 else None
        return PriceSpec(kind, amount, overnight)

    def content(self, ad: Ad, persona: Persona, net: Network | None, stated_age: int | None,
                price: PriceSpec | None, extra: list[str]) -> AdContent:
        rng = self.rng
        lang = net.template_lang if net else ("da" if rng.random() < SITE_DA_SHARE[ad.site] else "en")
        underage = persona.youth == "underage"
        age_field_on = stated_age is not None and not underage and rng.random() < 0.75
        age_in_text = stated_age is not None and (underage or not age_field_on or rng.random() < 0.5)
        mentions: list[PhoneMention] = []
        body_phones: list[tuple[str, str, str]] = []
        for i, e164 in enumerate(persona.phones[: 1 + (rng.random() < 0.4)] if net else persona.phones):
            contact = (i == 0 and rng.random() < 0.8)
            if contact:
                style = ph.pick_style(e164, "contact", rng)
                mentions.append(PhoneMention(e164, style, "contact", ph.present(e164, style, rng)))
            if not contact or rng.random() < 0.35:
                style = ph.pick_style(e164, "body", rng)
                shown = ph.present(e164, style, rng)
                mentions.append(PhoneMention(e164, style, "body", shown))
                body_phones.append((e164, style, shown))
        if rng.random() < 0.03 and (persona.email or persona.handles):
            mentions, body_phones = [], []  # contact only by e-mail / handle
        indicators: list[str] = []
        if net:
            indicators = [c for c in self.net_ind[net.id] if c != "LANGUAGE_BARRIER"
                          or not {"en", "da"} & set(persona.languages)]
        elif rng.random() < 0.2:
            indicators = [rng.choice(("MOVEMENT", "ALWAYS_AVAILABLE", "UNPROTECTED", "MOVEMENT"))]
        if persona.youth == "youth" or (persona.youth == "underage" and rng.random() < 0.5):
            indicators.append("YOUTH")
        decoys = []
        if rng.random() < (0.1 if net else 0.35):
            pool = [c for c in DECOY_CODES if c not in indicators and not (c == "YOUTH" and persona.youth)]
            if "LANGUAGE_BARRIER" in pool and not {"en", "da"} & set(persona.languages):
                pool.remove("LANGUAGE_BARRIER")
            decoys = rng.sample(pool, rng.randint(1, 2))
        nationality = persona.nationality if rng.random() < 0.6 else None
        spoken = list(persona.languages) if rng.random() < 0.5 else []
        email_obf = rng.random() < 0.4
        price_in_text = price is not None and rng.random() < 0.45
        price_field_on = price is not None and (not price_in_text or rng.random() < 0.6)
        city_pc = next(pc for name, _s, pc in lx.CITIES if name == ad.city)
        spec = TextSpec(lang, persona.name, stated_age, age_in_text, nationality, spoken, ad.city, city_pc,
                        price, price_in_text, body_phones, persona.email, email_obf, persona.handles,
                        indicators, decoys, hostile=ad.special == "hostile", mixed=rng.random() < 0.12,
                        ad_no=ad.external_id, extra=extra)
        struct = random.Random(self.struct_seed[net.id if net else persona.id])
        title, body, present = generate(spec, struct, rng)
        handles = list(persona.handles) + [{"kind": "whatsapp", "value": m.e164}
                                           for m in mentions if m.style == "wa_link"]
        return AdContent(
            title=title, body=body, language=lang, age=stated_age,
            age_field=(age_expr(stated_age, lang, rng.random()) if rng.random() < 0.3 else str(stated_age))
            if age_field_on and stated_age is not None else None,
            price=price.dkk_per_hour if price else None,
            price_field=price_expr(price, lang, rng.random()) if price and price_field_on else None,
            phones=mentions, emails=[persona.email] if persona.email else [], handles=handles,
            indicators=present, decoys=decoys, spoken=spoken, nationality=nationality,
            hostile=spec.hostile)

    def make_ad(self, site: str, persona: Persona, net: Network | None, city: str, first: int,
                removed: int | None, edit: int | None, photos: list[tuple[int, str]]) -> Ad:
        rng = self.rng
        ext = self.ext_id()
        posted = BASE_DATE + timedelta(days=first - 1) - timedelta(minutes=rng.randrange(0, 20 * 60))
        ad = Ad(site, ext, persona.id, persona.network_id, city, first, removed, [], [],
                posted.isoformat(timespec="minutes"))
        if rng.random() < 0.01:
            ad.special = "hostile"
        for slot, (source, variant) in enumerate(photos):
            ad.photos.append(self.photo(site, ext, slot, source, variant))
        if not photos or rng.random() < 0.06:
            ad.photos.append(self.photo(site, ext, 90, -1, "orig", "placeholder"))
        stated = persona.age if rng.random() < 0.93 or persona.youth else None
        if net and stated is not None and persona.youth is None and rng.random() < 0.3:
            stated = max(18, stated + rng.choice((-3, -2, -1, 1, 2)))  # AGE_INCONSISTENCY
        price = self.price(net is not None, persona.nationality not in ("DK", "SE"))
        ad.contents.append((first, self.content(ad, persona, net, stated, price, [])))
        if edit:
            new_price = self.price(net is not None, False) or price
            note = ["Opdateret: nye billeder!" if ad.contents[0][1].language == "da" else "UPDATE: new photos!"]
            ad.contents.append((edit, self.content(ad, persona, net, stated, new_price, note)))
        self.ads.append(ad)
        return ad

    def network(self) -> list[Ad]:
        rng = self.rng
        nid = f"net{len(self.networks) + 1:03d}"
        net = Network(nid, [self.phone(0.3) for _ in range(rng.choice((1, 1, 2, 3)))],
                      rng.choice(("da", "da", "en")), rng.getrandbits(32))
        self.networks[nid] = net
        self.struct_seed[nid] = net.template_seed
        self.net_ind[nid] = rng.sample(NET_INDICATORS, rng.randint(1, 3))
        nat = rng.choice(("RO", "RO", "NG", "TH", "BG", "HU", "UA", "CN", "BR"))
        members = [self.persona(net, nat if rng.random() < 0.8 else None) for _ in range(rng.randint(3, 7))]
        circuit = rng.sample([c[0] for c in lx.CITIES], 5)
        sites = rng.sample(SITES, rng.randint(1, 3))
        out: list[Ad] = []
        for k, p in enumerate(members):
            net.persona_ids.append(p.id)
            p.cities = [circuit[(k + i) % len(circuit)] for i in range(self.n_nights)]
            borrowed = [s for q in members if q is not p for s in q.photo_sources[:1]]
            for step in range(rng.randint(1, self.n_nights)):
                first, removed = nt.rotation_life(rng, step, self.n_nights)
                pics = [(s, "orig" if step == 0 else rng.choice(("orig", "resize", "q40"))) for s in p.photo_sources]
                if borrowed:
                    pics += [(s, rng.choice(NET_VARIANTS)) for s in rng.sample(borrowed, min(2, len(borrowed)))]
                rng.shuffle(pics)
                for site in sites[: 1 + (rng.random() < 0.4)]:
                    out.append(self.make_ad(site, p, net, p.cities[step], first, removed, None, pics[:5]))
        return out

    def independent(self, budget: int) -> list[Ad]:
        rng = self.rng
        p = self.persona(None)
        self.struct_seed[p.id] = rng.getrandbits(32)
        out: list[Ad] = []
        for _ in range(min(budget, rng.choices((1, 2, 3), weights=(60, 30, 10))[0])):
            site = rng.choices(SITES, weights=(45, 35, 20))[0]
            first, removed, edit = nt.independent_life(rng, self.n_nights)
            pics = [(s, rng.choice(("orig", "orig", "resize"))) for s in p.photo_sources]
            out.append(self.make_ad(site, p, None, rng.choice(p.cities), first, removed, edit, pics))
        return out

    def build(self) -> Corpus:
        self.net_ind: dict[str, list[str]] = {}
        target_net = int(self.n_ads * 0.3)
        while len(self.ads) < target_net:
            self.network()
        while len(self.ads) < self.n_ads:
            self.independent(self.n_ads - len(self.ads))
        del self.ads[self.n_ads:]
        self._specials()
        used = {p.id for a in self.ads for p in a.photos}
        photos = {k: v for k, v in self.photos.items() if k in used}
        live = {a.persona_id for a in self.ads}
        personas = {k: v for k, v in self.personas.items() if k in live}
        for net in self.networks.values():
            net.persona_ids = [p for p in net.persona_ids if p in live]
        return Corpus(self.seed, self.n_ads, self.n_nights, personas, self.networks, self.ads,
                      photos, self.palette_of)

    def _specials(self) -> None:
        """Mark the odd pages (huge, malformed, windows-1252) and attach broken images."""
        rng = self.rng
        stable = [a for a in self.ads if a.first_night == 1 and a.removed_at_night is None and a.special is None]
        by_site = {s: [a for a in stable if a.site == s] for s in SITES}
        if by_site["nightlist"]:
            rng.choice(by_site["nightlist"]).special = "huge"
        if by_site["rodelygte"]:
            rng.choice(by_site["rodelygte"]).special = "malformed"
            for a in by_site["rodelygte"]:
                if a.special is None and rng.random() < 0.03:
                    a.special = "cp1252"
        for kind in ("broken_truncated", "broken_html", "broken_svg"):
            ad = rng.choice(stable)
            ad.photos.append(self.photo(ad.site, ad.external_id, 91 + len(ad.photos), -1, "orig", kind))
        for site in SITES:  # at least one hostile ad per site
            if by_site[site] and not any(a.special == "hostile" for a in self.ads if a.site == site):
                pick = rng.choice([a for a in by_site[site] if a.special is None] or by_site[site])
                pick.special = "hostile"
                persona = self.personas[pick.persona_id]
                net = self.networks.get(pick.network_id or "")
                c = pick.contents[0][1]
                pick.contents[0] = (pick.first_night, self.content(
                    pick, persona, net, c.age, None if c.price is None else PriceSpec("hour_dkk", int(c.price)), []))


def build_corpus(seed: int = 7, n_ads: int = 600, n_nights: int = nt.DEFAULT_NIGHTS) -> Corpus:
    """Generate the market deterministically: same (seed, n_ads, n_nights) -> same corpus."""
    return _Builder(seed, n_ads, n_nights).build()
