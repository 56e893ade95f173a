"""Ad text generation in Danish and English with wide, labelled variation.

Why two random streams: ``struct`` decides the wording skeleton and ``val`` the
persona-specific details. A network reuses one ``struct`` seed for all its
personas, which yields template texts with names, ages and prices swapped
(TEMPLATE_TEXT), while independents get their own skeleton.
Every choice that matters for extraction is returned as ground truth.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from crawler.demo_site import lexicon as lx
from crawler.demo_site.phones import OBFUSCATED_STYLES


@dataclass
class PriceSpec:
    """A price as the advertiser thinks of it; ``dkk_per_hour`` is the truth value."""

    kind: str  # hour_dkk | half_dkk | hour_eur
    amount: int  # in the ad's own unit (DKK for the hour/half hour, EUR per hour)
    overnight: int | None = None

    @property
    def dkk_per_hour(self) -> float:
        if self.kind == "half_dkk":
            return float(self.amount * 2)
        if self.kind == "hour_eur":
            return round(self.amount * lx.EUR_DKK, 2)
        return float(self.amount)


@dataclass
class TextSpec:
    """Everything the text generator needs to write one ad."""

    lang: str
    name: str
    age: int | None
    age_in_text: bool
    nationality: str | None
    spoken: list[str]
    city: str
    postcode: str
    price: PriceSpec | None
    price_in_text: bool
    body_phones: list[tuple[str, str, str]]  # (e164, style, shown)
    email: str | None
    email_obfuscated: bool
    handles: list[dict[str, str]]
    indicators: list[str]
    decoys: list[str]
    hostile: bool = False
    mixed: bool = False
    ad_no: int = 0
    extra: list[str] = field(default_factory=list)


def _choose(rng: random.Random, seq: Sequence[str]) -> str:
    """Pick with exactly one draw, so skeletons stay aligned across personas."""
    return seq[int(rng.random() * len(seq))]


def number_words(n: int, lang: str) -> str:
    """16 -> "sixteen"/"seksten", 22 -> "twenty-two"/"toogtyve"."""
    small, tens = (lx.EN_NUM, lx.EN_TENS) if lang == "en" else (lx.DA_NUM, lx.DA_TENS)
    if n < 20:
        return small[n]
    t, u = divmod(n, 10)
    if u == 0:
        return tens[t]
    if lang == "en":
        return f"{tens[t]}-{small[u]}"
    return small[u] + "og" + tens[t]


def age_expr(n: int, lang: str, form: float) -> str:
    """An age in one of many written forms; ``form`` in [0, 1) selects it."""
    forms_en = (f"{n}", f"{n} years", f"{n} years old", f"{n}yo", f"{n} yo", f"age: {n}", f"aged {n}",
                f"I'm {number_words(n, 'en')}", f"{number_words(n, 'en')} years old", f"{n} y.o.")
    forms_da = (f"{n} år", f"{n}år", f"alder: {n}", f"{n} årig", f"{number_words(n, 'da')} år",
                f"{n} år gammel", f"{n} år ung")
    forms = forms_en if lang == "en" else forms_da
    return forms[int(form * len(forms))]


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def price_expr(p: PriceSpec, lang: str, form: float) -> str:
    """A price in one of many written forms; ``form`` in [0, 1) selects it."""
    a = p.amount
    if p.kind == "hour_dkk":
        forms = (f"{a} kr/time", f"{a} kr. pr. time", f"{_thousands(a)},- kr. pr. time", f"1 time: {a} kr",
                 f"{a} DKK/h", f"{a} dkk per hour", f"1h {a}kr", f"Timepris {_thousands(a)} kr.")
    elif p.kind == "half_dkk":
        forms = (f"{a} DKK 30 min", f"30 min. {a} kr", f"½ time {a} kr", f"half hour {a} dkk",
                 f"30min={a}kr")
    else:
        forms = (f"€{a}/hour", f"{a} EUR per hour", f"{a}€ 1h", f"1 time {a} euro", f"{a} eur/t")
    text = forms[int(form * len(forms))]
    if p.overnight:
        text += f", overnight {p.overnight}kr" if lang == "en" else f", hele natten {_thousands(p.overnight)} kr"
    return text


def email_expr(email: str, obfuscated: bool, lang: str, form: float) -> str:
    """An e-mail written plainly or in an evasive form ("anna at gmail dot com")."""
    user, domain = email.split("@")
    if not obfuscated:
        forms = (f"Mail: {email}", f"E-mail {email}", f"✉ {email}", email)
        return forms[int(form * len(forms))]
    host, _, tld = domain.rpartition(".")
    forms = (f"{user} at {host} dot {tld}", f"{user}(at){domain}", f"{user} [at] {host} [dot] {tld}",
             f"{user} snabel-a {host} punktum {tld}" if lang == "da" else f"{user} @ {host} . {tld}")
    return "Mail: " + forms[int(form * len(forms))]


_HANDLE_FORMS = {
    "telegram": ("Telegram: @{v}", "TG @{v}", "t.me/{v}"),
    "snapchat": ("Snap: {v}", "snapchat {v}", "👻 {v}"),
    "instagram": ("Insta: @{v}", "IG @{v}", "instagram.com/{v}"),
    "onlyfans": ("OnlyFans: onlyfans.com/{v}", "OF: {v}"),
    "signal": ("Signal: {v}", "signal {v}"),
}


def _typo(sentence: str, rng: random.Random) -> str:
    words = sentence.split(" ")
    idx = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not idx:
        return sentence
    i = idx[int(rng.random() * len(idx))]
    w = words[i]
    j = 1 + int(rng.random() * (len(w) - 2))
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:] if rng.random() < 0.6 else w[:j] + w[j + 1:]
    return " ".join(words)


def _fill(template: str, spec: TextSpec, extra: dict[str, str]) -> str:
    nat_en, nat_da, _names, _l = lx.NATIONALITIES.get(spec.nationality or "DK")
    values = {"name": spec.name, "NAME": spec.name.upper(), "city": spec.city, "CITY": spec.city.upper(),
              "postcode": spec.postcode, "nat": nat_en if spec.lang == "en" else nat_da,
              "natcountry": spec.nationality or "", **extra}
    return template.format(**values)


def generate(spec: TextSpec, struct: random.Random, val: random.Random) -> tuple[str, str, list[str]]:
    """Write (title, body, indicator codes actually present) for ``spec``."""
    lang, other = spec.lang, ("da" if spec.lang == "en" else "en")
    age_form, price_form, mail_form = struct.random(), struct.random(), struct.random()
    age_txt = age_expr(spec.age, lang, age_form) if spec.age is not None else ""
    vals = {"age": age_txt, "age_short": str(spec.age) if spec.age is not None else "",
            "height": str(val.randint(155, 182)), "weight": str(val.randint(48, 75)),
            "adno": str(spec.ad_no), "year": str(val.randint(2015, 2025))}
    if spec.nationality:
        vals["natcountry"] = {"RO": "Romania", "NG": "Nigeria", "TH": "Thailand", "DK": "Danmark"}.get(
            spec.nationality, lx.NATIONALITIES[spec.nationality][0])
    title_t = _choose(struct, lx.TITLES[lang])
    if "{age_short}" in title_t and spec.age is None:
        title_t = lx.TITLES[lang][1]
    if "{nat}" in title_t and not spec.nationality:
        title_t = lx.TITLES[lang][3]
    title = _fill(title_t, spec, vals)

    greet = _choose(struct, lx.GREETINGS[lang])
    intro_t = _choose(struct, lx.INTROS[lang])
    intro_na = _choose(struct, lx.INTROS_NOAGE[lang])
    if not spec.age_in_text or spec.age is None:
        intro_t = intro_na
    elif ("{nat}" in intro_t or "{natcountry}" in intro_t) and not spec.nationality:
        intro_t = lx.INTROS[lang][0]
    filler = [greet, _fill(intro_t, spec, vals)]
    first = int(struct.random() * len(lx.DESCRIPTIONS[lang]))
    second = (first + 1 + int(struct.random() * (len(lx.DESCRIPTIONS[lang]) - 1))) % len(lx.DESCRIPTIONS[lang])
    descs = [_fill(lx.DESCRIPTIONS[lang][i], spec, vals) for i in (first, second)]
    n_desc = 1 + int(struct.random() * 2)
    filler += descs[:n_desc]
    if spec.mixed:
        filler.append(_fill(_choose(struct, lx.DESCRIPTIONS[other]), spec, vals))
    if spec.hostile:
        filler.insert(2, _choose(val, lx.HOSTILE))

    cues: list[str] = []
    if spec.spoken:
        names = [lx.LANG_NAMES[code][0 if lang == "en" else 1] for code in spec.spoken]
        conj = " and " if lang == "en" else " og "
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + conj + names[-1]
        cues.append(_choose(struct, lx.SPOKEN[lang]).format(langs=joined))
    present = list(spec.indicators)
    for code in spec.indicators:
        cues.append(_fill(_choose(struct, lx.INDICATORS[code][lang]), spec, vals))
    for code in spec.decoys:
        phr = _choose(struct, lx.DECOYS[code][lang])
        if "{age}" in phr and (spec.age is None or spec.age < 30):
            phr = lx.DECOYS[code][lang][0]
        cues.append(_fill(phr, spec, {**vals, "age": str(spec.age)}))
    order = sorted(range(len(cues)), key=lambda _i: struct.random())
    cues = [cues[i] for i in order]
    tail: list[str] = [_fill(_choose(struct, lx.LOCATIONS[lang]), spec, vals)]
    if spec.price is not None and spec.price_in_text:
        tail.append(price_expr(spec.price, lang, price_form))
    for _e164, style, shown in spec.body_phones:
        lead = _choose(struct, lx.PHONE_LEADS[lang])
        tail.append(lead.format(p=shown))
        if style in OBFUSCATED_STYLES and "OBFUSCATED_CONTACT" not in present:
            present.append("OBFUSCATED_CONTACT")
    if spec.email:
        tail.append(email_expr(spec.email, spec.email_obfuscated, lang, mail_form))
        if spec.email_obfuscated and "OBFUSCATED_CONTACT" not in present:
            present.append("OBFUSCATED_CONTACT")
    for h in spec.handles:
        tail.append(_choose(val, _HANDLE_FORMS[h["kind"]]).format(v=h["value"]))
    tail.extend(spec.extra)
    tail.append(_fill(_choose(struct, lx.CLOSINGS[lang]), spec, vals))

    # Noise only on filler (never inside cues or contact details, which are ground truth).
    noisy = []
    for s in filler:
        r = struct.random()
        if s and r < 0.12:
            s = _typo(s, struct)
        elif s and r < 0.17:
            s = s.upper()
        if struct.random() < 0.3:
            s += " " + _choose(struct, lx.EMOJI)
        noisy.append(s)
    parts = [s for s in noisy + cues + tail if s]
    if struct.random() < 0.15:
        pos = 1 + int(struct.random() * (len(parts) - 1))
        parts.insert(pos, _choose(struct, lx.JUNK))
    seps = ("\n", " ", " ", "\n\n", " – ")
    sep = _choose(struct, seps)
    body = parts[0]
    for p in parts[1:]:
        body += (sep if struct.random() < 0.7 else _choose(struct, seps)) + p
    if spec.age is not None and spec.age < 18 and spec.age_in_text:
        present.append("UNDERAGE")
    return title, body, present
