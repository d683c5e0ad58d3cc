"""Clustering of one connected component of scored pairs into deals.

Links join clusters in order of score (union-find), unless the joined cluster would hold two mentions
of one article, a pair that breaks a hard rule (checked on up to 25 members of each side, so the cost
stays linear when a deal has thousands of reports), or a pair judged two projects by adjudication.
Greedy clustering never joins across components, so each component is clustered on its own: in Python
one after another on one machine, or in parallel as a grouped map on Spark (:func:`cluster_component`
is the Arrow form both call).
"""

from __future__ import annotations

from collections import defaultdict

import pyarrow as pa

from fdi_extract.reconcile.features import MentionFeatures, features_of
from fdi_extract.reconcile.scoring import score

_CHECKED_MEMBERS = 25

# A member row (linked_to null) gives a mention its cluster's root; a link row (linked_to set) is a link kept.
CLUSTERED = pa.schema([("idx", pa.int64()), ("root", pa.int64()), ("linked_to", pa.int64()),
                       ("score", pa.float64()), ("reasons", pa.list_(pa.string()))])


class _Clusters:
    """Union-find over mentions that refuses merges breaking the one-mention-per-article rule or a hard rule."""

    def __init__(self, features: dict[int, MentionFeatures], apart: list[tuple[int, int]]):
        self.parent = {i: i for i in features}
        self.members = {i: [i] for i in features}
        self.features = features
        # Pairs judged two projects by adjudication: never in one cluster, not even through others.
        self.apart_from: dict[int, set[int]] = defaultdict(set)
        for x, y in apart:
            self.apart_from[x].add(y)
            self.apart_from[y].add(x)

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> bool:
        ri, rj = self.find(i), self.find(j)
        if ri == rj:
            return True
        left, right = self.members[ri], self.members[rj]
        if {self.features[k].article_id for k in left} & {self.features[k].article_id for k in right}:
            return False
        # Complete-link check on (at most) the first members of each side, so a giant cluster stays linear.
        if any(score(self.features[x], self.features[y]) is None
               for x in left[:_CHECKED_MEMBERS] for y in right[:_CHECKED_MEMBERS]):
            return False
        if self.apart_from:
            smaller, other_root = (left, rj) if len(left) <= len(right) else (right, ri)
            if any(self.find(y) == other_root for x in smaller for y in self.apart_from.get(x, ())):
                return False
        # The smaller index stays the root, so that a cluster's root does not depend on the engine.
        if (len(left), -ri) < (len(right), -rj):
            ri, rj, left, right = rj, ri, right, left
        self.parent[rj] = ri
        left.extend(right)
        del self.members[rj]
        return True


def cluster_component(pairs: pa.Table) -> pa.Table:
    """The scored pairs of one component (i < j, score, reasons, apart, and both mentions' features as
    ``a_``/``b_`` columns) → a member row for each of its mentions and a row for each link kept."""
    features = {f.idx: f for side in ("a_", "b_") for f in features_of(pairs, side)}
    links: list[tuple[float, int, int, list[str]]] = []
    apart: list[tuple[int, int]] = []
    for i, j, link_score, reasons, judged_apart in zip(*(pairs.column(name).to_pylist() for name in (
            "i", "j", "score", "reasons", "apart")), strict=True):
        if judged_apart:
            apart.append((i, j))
        else:
            links.append((-link_score, i, j, reasons))
    clusters = _Clusters(features, apart)
    # Strongest links first; ties by mention order so that re-runs cluster alike.
    kept = [(i, j, -negative, reasons) for negative, i, j, reasons in sorted(links) if clusters.union(i, j)]
    out: dict[str, list] = {"idx": [], "root": [], "linked_to": [], "score": [], "reasons": []}
    for idx in sorted(features):
        for column, value in zip(out, (idx, clusters.find(idx), None, None, None), strict=True):
            out[column].append(value)
    for i, j, link_score, reasons in kept:
        for column, value in zip(out, (i, clusters.find(i), j, link_score, reasons), strict=True):
            out[column].append(value)
    return pa.Table.from_pydict(out, schema=CLUSTERED)
