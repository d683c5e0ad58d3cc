"""Clustering of one connected component of scored pairs into deals.

Links join clusters in order of score (union-find), unless the joined cluster would hold two mentions
of one article, a pair that breaks a hard rule (checked on up to 25 members of each side, so the cost
stays linear when a deal has thousands of reports; two capacities that disagree are let through where one
of those members states both, as one plant is told by phase in one report and by one figure in others), a
pair judged two projects by adjudication, or the mentions of two deals of an earlier run. A report whose
best links reach several reports of one article alike, which are several deals for sure, is not joined to
any of them by those links unless its own article tells of as many (:func:`_without_ambiguous_links`).
Mentions that carry one deal id from an earlier run start as one cluster: an archive's deals keep their ids
and members as new reports come in (a new report that would join two earlier deals joins the one it scores
best with).
Greedy clustering never joins across components, so each component is clustered on its own: in Python
one after another on one machine, or in parallel as a grouped map on Spark (:func:`cluster_components`
is the Arrow form both call).
"""

from __future__ import annotations

from collections import defaultdict

import pyarrow as pa
import pyarrow.compute as pc

from fdi_extract.reconcile.features import MentionFeatures, distinct_features
from fdi_extract.reconcile.scoring import capacities_disagree, levels, states_the_capacities_of_both

_CHECKED_MEMBERS = 25
# Why a pair may not be in one cluster: only its capacities disagree (a report stating both lets it), or
# another hard rule.
_CAPACITIES, _A_RULE = "capacities", "a rule"

# A member row (linked_to null) gives a mention its cluster's root; a link row (linked_to set) is a link kept.
CLUSTERED = pa.schema(
    [
        ("idx", pa.int64()),
        ("root", pa.int64()),
        ("linked_to", pa.int64()),
        ("score", pa.float64()),
        ("pattern", pa.int64()),
    ]
)


class _Clusters:
    """Union-find over mentions that refuses merges breaking the one-mention-per-article rule or a hard rule."""

    def __init__(
        self, features: dict[int, MentionFeatures], apart: list[tuple[int, int]], linked: set[tuple[int, int]]
    ):
        self.parent = {i: i for i in features}
        self.members = {i: [i] for i in features}
        # Each cluster's articles, kept as clusters join: rebuilding them for every link tried made a large
        # component cost the square of its size.
        self.articles = {i: {f.article_id} for i, f in features.items()}
        # The earlier run's deal id each cluster carries, if any.
        self.carried = {i: f.carried_id for i, f in features.items()}
        self.features = features
        # Pairs (i < j) known to break no hard rule (they scored), and verdicts of the others once computed:
        # the complete-link check asks about the same pairs again as clusters grow.
        self.linked = linked
        self.vetoed: dict[tuple[int, int], str | None] = {}
        # A verdict rests on the facts compared alone (two clusters sharing an article never get this far), so
        # reports alike in them, one story reprinted, share their verdicts: keyed by which facts, not which mention.
        facts: dict[tuple[object, ...], int] = {}
        self.facts_of = {i: facts.setdefault(f.compared(), len(facts)) for i, f in features.items()}
        # Pairs judged two projects by adjudication: never in one cluster, not even through others.
        self.apart_from: dict[int, set[int]] = defaultdict(set)
        for x, y in apart:
            self.apart_from[x].add(y)
            self.apart_from[y].add(x)
        first_of_deal: dict[str, int] = {}
        for i in sorted(features):
            if (deal_id := features[i].carried_id) is not None:
                self._join(self.find(first_of_deal.setdefault(deal_id, i)), self.find(i))

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
        if not self.articles[ri].isdisjoint(self.articles[rj]):
            return False
        if self.carried[ri] is not None and self.carried[rj] is not None:
            return False  # two deals of an earlier run (one deal's mentions are one cluster from the start)
        # Complete-link check on (at most) the first members of each side, so a giant cluster stays linear.
        checked = left[:_CHECKED_MEMBERS], right[:_CHECKED_MEMBERS]
        if any(self._kept_apart(x, y, checked) for x in checked[0] for y in checked[1]):
            return False
        if self.apart_from:
            smaller, other_root = (left, rj) if len(left) <= len(right) else (right, ri)
            if any(self.find(y) == other_root for x in smaller for y in self.apart_from.get(x, ())):
                return False
        self._join(ri, rj)
        return True

    def _join(self, ri: int, rj: int) -> None:
        """The clusters of roots ``ri`` and ``rj`` made one, unchecked."""
        if ri == rj:
            return
        left, right = self.members[ri], self.members[rj]
        # The larger cluster's root stays (the smaller index on a tie), so that a root does not depend on the engine.
        if (len(left), -ri) < (len(right), -rj):
            ri, rj, left, right = rj, ri, right, left
        self.parent[rj] = ri
        left.extend(right)
        del self.members[rj]
        larger, smaller = sorted((self.articles[ri], self.articles.pop(rj)), key=len, reverse=True)
        larger.update(smaller)
        self.articles[ri] = larger
        self.carried[ri] = self.carried[ri] or self.carried.pop(rj)

    def _breaks_a_rule(self, x: int, y: int) -> str | None:
        """Which hard rule the pair breaks: :data:`_CAPACITIES` where only the rule of capacities does,
        :data:`_A_RULE` where another does, None where none does."""
        pair = (x, y) if x < y else (y, x)
        if pair in self.linked:
            return None
        facts = (self.facts_of[pair[0]], self.facts_of[pair[1]])
        if facts not in self.vetoed:
            a, b = self.features[pair[0]], self.features[pair[1]]
            # One reading of the pair: every hard rule but that of capacities, then that one.
            if levels(a, b, capacities_must_agree=False) is None:
                self.vetoed[facts] = _A_RULE
            else:
                self.vetoed[facts] = _CAPACITIES if capacities_disagree(a, b) else None
        return self.vetoed[facts]

    def _kept_apart(self, x: int, y: int, checked: tuple[list[int], list[int]]) -> bool:
        """Whether a hard rule keeps ``x`` and ``y`` out of one cluster, where the ``checked`` members of the two
        clusters would join: any rule, but that of capacities only where none of them states both figures."""
        rule = self._breaks_a_rule(x, y)
        return rule is _A_RULE or (rule is _CAPACITIES and not self._bridged(x, y, checked))

    def _bridged(self, x: int, y: int, checked: tuple[list[int], list[int]]) -> bool:
        """Whether a report of the two clusters states a capacity of ``x`` and one of ``y``: the plant told by
        phase ("from 500,000 to 1 million tonnes") in one report and by one figure in others."""
        a, b = self.features[x], self.features[y]
        return any(states_the_capacities_of_both(self.features[report], a, b) for side in checked for report in side)


def _without_ambiguous_links(
    links: list[tuple[float, int, int, int]], features: dict[int, MentionFeatures]
) -> list[tuple[float, int, int, int]]:
    """The links of a component (-score, i, j, pattern) but a report's strongest ones where they reach several
    reports of another article alike (the same score) and its own article has fewer reports that fit those
    alike: one report of a company's plant, with no figure, against an article telling of the company's power
    plant and its heating plant in one region fits both, and which it tells of nothing in it can say (greedy
    clustering took whichever came first). Where each article tells of as many such deals (two reports of one
    announcement, each listing its projects), they pair in the order the articles list them, as clustering
    takes ties. Its weaker links still count."""
    if len({f.article_id for f in features.values()}) == len(features):
        return links  # no article tells of two of its deals
    best: dict[int, float] = {}
    for negative, i, j, _ in links:
        best[i] = max(best.get(i, -negative), -negative)
        best[j] = max(best.get(j, -negative), -negative)
    strongest: dict[int, set[int]] = defaultdict(set)  # each report's partners of its best score
    for negative, i, j, _ in links:
        if -negative == best[i]:
            strongest[i].add(j)
        if -negative == best[j]:
            strongest[j].add(i)
    of_article: dict[str, list[int]] = defaultdict(list)
    for mention in strongest:
        of_article[features[mention].article_id].append(mention)
    ambiguous: set[tuple[int, int]] = set()
    for mention, partners in strongest.items():
        if len(partners) < 2:
            continue
        by_article: dict[str, set[int]] = defaultdict(set)
        for other in partners:
            by_article[features[other].article_id].add(other)
        for alike in (found for found in by_article.values() if len(found) > 1):
            fitting = sum(alike <= strongest[own] for own in of_article[features[mention].article_id])
            if fitting < len(alike):
                ambiguous.update((min(mention, other), max(mention, other)) for other in alike)
    return [link for link in links if (link[1], link[2]) not in ambiguous] if ambiguous else links


def cluster_components(rows: pa.Table) -> pa.Table:
    """The scored pairs of one or more components (``component``, i < j, score, pattern, apart) and a row of
    :data:`~fdi_extract.reconcile.features.FEATURES` for each of their mentions (``component`` and those
    columns), each component's rows next to each other → a member row for each of their mentions and a row
    for each link kept. Both engines run it: over a chunk of components, or over one."""
    is_mention = pc.is_valid(rows.column("idx"))
    mention_rows = rows.filter(is_mention)
    features = distinct_features(mention_rows)
    # A component's mentions are its feature rows: one may be in no scored pair, only in an earlier deal.
    members_of: dict[int, set[int]] = defaultdict(set)
    for component, idx in zip(
        mention_rows.column("component").to_pylist(), mention_rows.column("idx").to_pylist(), strict=True
    ):
        members_of[component].add(idx)
    pairs = rows.filter(pc.invert(is_mention))
    pairs_of: dict[int, list[tuple]] = defaultdict(list)
    columns = ("component", "i", "j", "score", "pattern", "apart")
    for row in zip(*(pairs.column(name).to_pylist() for name in columns), strict=True):
        pairs_of[row[0]].append(row)
    out: dict[str, list] = {"idx": [], "root": [], "linked_to": [], "score": [], "pattern": []}
    for component, members in members_of.items():
        links: list[tuple[float, int, int, int]] = []
        apart: list[tuple[int, int]] = []
        for _, i, j, link_score, pattern, judged_apart in pairs_of[component]:
            if judged_apart:
                apart.append((i, j))
            else:
                links.append((-link_score, i, j, pattern))
        of_component = {idx: features[idx] for idx in members}
        links = _without_ambiguous_links(links, of_component)
        clusters = _Clusters(of_component, apart, {(i, j) for _, i, j, _ in links})
        # Strongest links first; ties by mention order so that re-runs cluster alike.
        kept = [(i, j, -negative, pattern) for negative, i, j, pattern in sorted(links) if clusters.union(i, j)]
        for idx in sorted(members):
            for column, value in zip(out, (idx, clusters.find(idx), None, None, None), strict=True):
                out[column].append(value)
        for i, j, link_score, pattern in kept:
            for column, value in zip(out, (i, clusters.find(i), j, link_score, pattern), strict=True):
                out[column].append(value)
    return pa.Table.from_pydict(out, schema=CLUSTERED)
