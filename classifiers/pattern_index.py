"""Which token pattern groups can match a doc, and where to try them: bitmasks per vocabulary word.

Why: a group (one lexicon token pattern) is tried only when each of its required literal words is in the doc and
only at tokens carrying its anchor word (``nlp.ReaderNLP.token_matches``). Asked per doc as set operations, that
was ~55 candidate groups x (a set check per required word set + a union of anchor positions), the dearest part
of the indicator step. Here each distinct required word set gets one bit, so a vocabulary word knows once which
sets it satisfies (an int) and which anchor sets it belongs to (a tuple); a doc ORs its tokens' bits, and a
group is viable when ``need & ~doc_bits == 0``. Groups sharing an anchor word set share one position list.
These are the same necessary conditions as before, so the matches are unchanged (tested against the Matcher).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from itertools import compress
from operator import or_

# (bits of the required sets this word satisfies, ids of the anchor sets it belongs to); None: no literal word.
WordKey = tuple[int, tuple[int, ...]] | None


class PatternIndex:
    """Required-set bits and anchor sets of every pattern group, and the per-doc question "what to run where"."""

    __slots__ = ("anchor_sets", "bits_of", "by_anchor", "need", "sets_of")

    def __init__(self, required: Sequence[tuple[frozenset[int], ...]], group_anchor: Sequence[frozenset[int]]) -> None:
        bit: dict[frozenset[int], int] = {}
        self.need: list[int] = []  # per group: OR of its required sets' bits
        for sets in required:
            mask = 0
            for words in sets:
                mask |= 1 << bit.setdefault(words, len(bit))
            self.need.append(mask)
        self.bits_of: dict[int, int] = {}  # word hash -> bits of the required sets holding it
        for words, b in bit.items():
            for h in words:
                self.bits_of[h] = self.bits_of.get(h, 0) | 1 << b
        aid: dict[frozenset[int], int] = {}
        self.by_anchor: list[list[int]] = []  # anchor set id -> its groups, ascending
        for g, words in enumerate(group_anchor):
            a = aid.setdefault(words, len(aid))
            if a == len(self.by_anchor):
                self.by_anchor.append([])
            self.by_anchor[a].append(g)
        self.anchor_sets = list(aid)
        self.sets_of: dict[int, tuple[int, ...]] = {}  # word hash -> anchor set ids holding it
        for words, a in aid.items():
            for h in words:
                self.sets_of[h] = (*self.sets_of.get(h, ()), a)

    def key(self, hashes: tuple[int, ...]) -> WordKey:
        """The WordKey of a token carrying these literal word hashes (its ORTH/LOWER/NORM ones in the literals)."""
        if not hashes:
            return None
        bits = 0
        sets: dict[int, None] = {}
        for h in hashes:
            bits |= self.bits_of.get(h, 0)
            for a in self.sets_of.get(h, ()):
                sets[a] = None
        return bits, tuple(sorted(sets))

    def plan(self, keys: Sequence[WordKey]) -> tuple[list[tuple[int, list[int]]], int]:
        """([(group, anchor positions)] of the viable groups in group order, number of candidate groups).

        keys: one WordKey per token. A candidate group has its anchor word in the doc; a viable one also has a
        word of each of its required sets.
        """
        where: dict[int, list[int]] = {}
        hits = list(compress(range(len(keys)), keys))
        if not hits:
            return [], 0
        bits = reduce(or_, [keys[i][0] for i in hits])  # type: ignore[index]
        for i in hits:
            for a in keys[i][1]:  # type: ignore[index]
                pos = where.get(a)
                if pos is None:
                    where[a] = [i]
                else:
                    pos.append(i)
        need = self.need
        by_anchor = self.by_anchor
        out: list[tuple[int, list[int]]] = []
        candidates = 0
        missing = ~bits  # one big-int NOT per doc, not one per group
        for a, pos in where.items():
            groups = by_anchor[a]
            candidates += len(groups)
            for g in groups:
                if not need[g] & missing:
                    out.append((g, pos))
        if len(where) > 1:
            out.sort(key=_first)
        return out, candidates


def _first(item: tuple[int, list[int]]) -> int:
    return item[0]
