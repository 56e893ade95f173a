"""Synthetic, deterministic escort-ad market used as adwatch's test bed.

Everything here is generated from a seed: three differently built ad boards
(served by :class:`DemoSite`), several nights of the same market, and the
ground truth needed to score crawling, extraction and linking. Content is
synthetic and non-explicit; phone numbers come from a fixed demo pool
(:func:`is_demo_number`).
"""

from crawler.demo_site.corpus import Corpus, build_corpus
from crawler.demo_site.phones import is_demo_number
from crawler.demo_site.server import DemoSite
from crawler.demo_site.truth import truth_for, write_truth

__all__ = ["Corpus", "DemoSite", "build_corpus", "is_demo_number", "truth_for", "write_truth"]
