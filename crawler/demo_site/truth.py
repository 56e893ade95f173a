"""Ground truth for the demo market, as plain JSON-able dicts.

Why: extraction, linking and crawl-coverage evaluations compare adwatch's output
against these records; the layouts render exactly what is recorded here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.demo_site.corpus import Corpus


def _record(corpus: Corpus, ad: Any, night: int | None) -> dict[str, Any]:
    content = ad.content(night or 1)
    last = (ad.removed_at_night - 1) if ad.removed_at_night else corpus.n_nights
    persona = corpus.personas[ad.persona_id]
    return {
        "site": ad.site,
        "external_id": str(ad.external_id),
        "url": ad.path,
        "nights": list(range(ad.first_night, last + 1)),
        "first_night": ad.first_night,
        "removed_at_night": ad.removed_at_night,
        "edited_at_nights": [start for start, _c in ad.contents[1:]],
        "persona_id": ad.persona_id,
        "persona_name": persona.name,
        "network_id": ad.network_id,
        "language": content.language,
        "title": content.title,
        "phones": [{"e164": m.e164, "style": m.style, "placement": m.placement, "shown": m.shown}
                   for m in content.phones],
        "emails": list(content.emails),
        "handles": [dict(h) for h in content.handles],
        "age": content.age,
        "city": ad.city,
        "price_dkk_per_hour": content.price,
        "spoken_languages": list(content.spoken),
        "nationality": content.nationality,
        "indicators": sorted(set(content.indicators)),
        "decoys": sorted(set(content.decoys)),
        "photos": [{"id": p.id, "url": f"/media/{p.id}.{'svg' if p.kind == 'broken_svg' else 'jpg'}",
                    "group": p.group, "variant": p.variant, "kind": p.kind} for p in ad.photos],
        "posted": ad.posted,
        "special": ad.special,
    }


def truth_for(corpus: Corpus, night: int | None = None) -> list[dict[str, Any]]:
    """One record per ad online on ``night`` (content as of that night), or every ad if None."""
    ads = corpus.ads if night is None else [a for a in corpus.ads if a.present(night)]
    return [_record(corpus, a, night if night is not None else a.first_night) for a in ads]


def write_truth(corpus: Corpus, path: str | Path, night: int | None = None) -> Path:
    """Write the truth as JSON: {"seed", "n_ads", "n_nights", "night", "networks", "ads"}."""
    out = Path(path)
    doc = {
        "seed": corpus.seed, "n_ads": corpus.n_ads, "n_nights": corpus.n_nights, "night": night,
        "networks": [{"id": n.id, "phones": n.phones, "persona_ids": n.persona_ids}
                     for n in corpus.networks.values()],
        "ads": truth_for(corpus, night),
    }
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return out
