"""Command line: ``python -m crawler.demo_site serve|truth``."""

from __future__ import annotations

import argparse
import sys
import time

from crawler.demo_site.corpus import build_corpus
from crawler.demo_site.server import DemoSite
from crawler.demo_site.truth import write_truth


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.demo_site", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    for name in ("serve", "truth"):
        p = sub.add_parser(name)
        p.add_argument("--seed", type=int, default=7)
        p.add_argument("--ads", type=int, default=600)
        p.add_argument("--nights", type=int, default=3)
        p.add_argument("--night", type=int, default=None, help="serve: start night (1); truth: only this night")
    serve = sub.choices["serve"]
    serve.add_argument("--port", type=int, default=8701)
    serve.add_argument("--no-friction", action="store_true", help="no 503/429 and no slow pages")
    sub.choices["truth"].add_argument("--out", required=True)
    args = parser.parse_args(argv)
    corpus = build_corpus(args.seed, args.ads, args.nights)
    if args.cmd == "truth":
        path = write_truth(corpus, args.out, args.night)
        print(f"wrote {path} ({len(corpus.truth(args.night))} ads)")
        return 0
    site = DemoSite(corpus, night=args.night or 1, port=args.port, friction=not args.no_friction).start()
    print(f"demo market on {site.base_url}/ (night {site.night}, seed {args.seed}, {args.ads} ads); Ctrl-C stops",
          flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        site.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
