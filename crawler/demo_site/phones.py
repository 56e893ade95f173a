"""Phone numbers for the demo market: a fixed synthetic pool and many ways to write them.

Why a fixed pool: every number must be *valid* for ``phonenumbers`` (it rejects
unallocated ranges) so extraction is realistic, yet fixtures must be checkable
for stray real-looking numbers. All generated numbers come from one pool built
from a constant seed, so :func:`is_demo_number` can recognise them without a seed.
"""

from __future__ import annotations

import random
from functools import lru_cache

POOL_SEED = 0xAD0A7C4
# Danish mobile two-digit prefixes whose third digit 1-9 is always an allocated range.
_DK_PREFIXES = ("20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31",
                "40", "41", "42", "50", "51", "52", "53", "60", "61", "71", "81", "91", "93")
# country code -> (national prefixes, digits after the prefix, grouping of the national number)
_FOREIGN: dict[str, tuple[tuple[str, ...], int, tuple[int, ...]]] = {
    "40": (("72", "73", "74", "75", "76"), 7, (3, 3, 3)),  # Romania
    "234": (("803", "805", "806", "807", "813"), 7, (3, 3, 4)),  # Nigeria
    "46": (("70", "72", "73", "76"), 7, (2, 3, 2, 2)),  # Sweden
    "49": (("170", "171", "172", "176"), 7, (3, 7)),  # Germany
    "44": (("71", "72", "73", "78"), 8, (4, 6)),  # United Kingdom
}
POOL_DK_SIZE = 20000
POOL_FOREIGN_SIZE = 1000

# Styles: how a number is written. "contact" styles live in the site's contact field.
BODY_STYLES: tuple[str, ...] = (
    "plain_intl", "compact", "dashed", "paren_cc", "dotted", "intl_00", "spaced_digits",
    "letter_subst", "words_en", "words_da", "words_mixed", "emoji_keycap", "fullwidth",
    "split_words", "line_break",
)
CONTACT_STYLES: tuple[str, ...] = ("contact_text", "tel_link", "wa_link", "reveal")
STYLES: tuple[str, ...] = BODY_STYLES + CONTACT_STYLES
OBFUSCATED_STYLES = frozenset({
    "spaced_digits", "letter_subst", "words_en", "words_da", "words_mixed", "emoji_keycap",
    "fullwidth", "split_words",
})
FOREIGN_OK_STYLES = frozenset({"plain_intl", "compact", "intl_00", "contact_text", "tel_link",
                               "wa_link", "reveal"})

_EN = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_DA = ("nul", "en", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni")
_SPLITTERS = (" ring ", " - ", " (sms) ", "\n", " og så ", " then ", " ... ", " / ")


@lru_cache(maxsize=1)
def _pools() -> tuple[tuple[str, ...], dict[str, tuple[str, ...]], frozenset[str]]:
    rng = random.Random(POOL_SEED)
    dk: dict[str, None] = {}
    while len(dk) < POOL_DK_SIZE:
        num = rng.choice(_DK_PREFIXES) + str(rng.randint(1, 9)) + f"{rng.randrange(100000):05d}"
        dk["+45" + num] = None
    foreign: dict[str, tuple[str, ...]] = {}
    for cc, (prefixes, rest, _groups) in _FOREIGN.items():
        nums: dict[str, None] = {}
        while len(nums) < POOL_FOREIGN_SIZE:
            first = str(rng.randint(1, 9))
            tail = f"{rng.randrange(10 ** (rest - 1)):0{rest - 1}d}"
            nums["+" + cc + rng.choice(prefixes) + first + tail] = None
        foreign[cc] = tuple(nums)
    every = frozenset(dk) | frozenset(n for ns in foreign.values() for n in ns)
    return tuple(dk), foreign, every


def dk_pool() -> tuple[str, ...]:
    """All Danish demo numbers (E.164), in a fixed order."""
    return _pools()[0]


def foreign_pool(country_code: str) -> tuple[str, ...]:
    """Demo numbers for one foreign calling code ("40", "234", "46", "49", "44")."""
    return _pools()[1][country_code]


def foreign_codes() -> tuple[str, ...]:
    """Calling codes of the foreign pools."""
    return tuple(_FOREIGN)


def is_demo_number(e164: str) -> bool:
    """True if ``e164`` (e.g. "+4521456355") is one of the synthetic demo numbers."""
    return e164 in _pools()[2]


def split_cc(e164: str) -> tuple[str, str]:
    """("45", "21456355") for "+4521456355"."""
    digits = e164.lstrip("+")
    for cc in ("234", "45", "40", "46", "49", "44"):
        if digits.startswith(cc):
            return cc, digits[len(cc):]
    raise ValueError(f"not a demo calling code: {e164}")


def _group(national: str, sizes: tuple[int, ...]) -> list[str]:
    out, i = [], 0
    for size in sizes:
        out.append(national[i:i + size])
        i += size
    return out


def grouped(e164: str) -> str:
    """International format with the country's usual grouping."""
    cc, nat = split_cc(e164)
    sizes = (2, 2, 2, 2) if cc == "45" else _FOREIGN[cc][2]
    return f"+{cc} " + " ".join(_group(nat, sizes))


def _subst(ch: str, rng: random.Random) -> str:
    if ch == "0":
        return rng.choice("Oo")
    if ch == "1":
        return rng.choice("lI")
    return ch


def _words(digits: str, table: tuple[str, ...], rng: random.Random) -> str:
    sep = rng.choice((" ", "-", " "))
    return sep.join(table[int(d)] for d in digits)


def present(e164: str, style: str, rng: random.Random) -> str:
    """Write ``e164`` in ``style``; returns the exact text shown ("" for click-to-reveal).

    Foreign numbers only support international styles (a Danish reader would
    otherwise misread them); callers pick styles via :func:`pick_style`.
    """
    cc, nat = split_cc(e164)
    if style == "reveal":
        return ""
    if style in ("plain_intl", "contact_text", "tel_link"):
        return grouped(e164) if cc != "45" or rng.random() < 0.5 else " ".join(_group(nat, (2, 2, 2, 2)))
    if style == "compact":
        return e164 if cc != "45" else rng.choice((nat, nat, "+45" + nat))
    if style == "intl_00":
        return "00" + cc + " " + nat
    if style == "wa_link":
        return "WhatsApp"
    pairs = _group(nat, (2, 2, 2, 2))
    if style == "dashed":
        return "-".join(pairs)
    if style == "paren_cc":
        return f"(+45) {nat[:4]} {nat[4:]}"
    if style == "dotted":
        return ".".join(pairs)
    if style == "spaced_digits":
        return " ".join(nat)
    if style == "letter_subst":
        return " ".join("".join(_subst(c, rng) for c in p) for p in pairs)
    if style == "words_en":
        return _words(nat, _EN, rng)
    if style == "words_da":
        return _words(nat, _DA, rng)
    if style == "words_mixed":
        out = []
        for p in pairs:
            out.append("".join(
                rng.choice((d, _subst(d, rng), _EN[int(d)], _DA[int(d)])) for d in p))
        return " ".join(out)
    if style == "emoji_keycap":
        return "".join(d + "\ufe0f\u20e3" for d in nat)
    if style == "fullwidth":
        return " ".join("".join(chr(0xFF10 + int(d)) for d in p) for p in pairs)
    if style == "split_words":
        return nat[:4] + rng.choice(_SPLITTERS[:3] + _SPLITTERS[4:]) + nat[4:]
    if style == "line_break":
        return nat[:4] + "\n" + nat[4:]
    raise ValueError(f"unknown style {style}")


def pick_style(e164: str, placement: str, rng: random.Random) -> str:
    """Choose a realistic style for ``placement`` ("body" or "contact")."""
    foreign = not e164.startswith("+45")
    if placement == "contact":
        return rng.choices(CONTACT_STYLES, weights=(50, 25, 10, 15))[0]
    while True:
        style = rng.choices(BODY_STYLES, weights=(10, 14, 6, 4, 4, 3, 3, 5, 3, 3, 3, 3, 2, 3, 2))[0]
        if foreign and style not in FOREIGN_OK_STYLES:
            continue
        if style == "letter_subst" and not set(split_cc(e164)[1]) & {"0", "1"}:
            continue
        return style
