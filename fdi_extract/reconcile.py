"""Reconciliation: mentions of one real-world deal across articles become one :class:`Deal`.

Method
1. Blocking: a mention is compared only with mentions sharing a block key — the consonant skeleton of
   an investor's leading name word (so "Heangshui"/"Hengshui" and "Сангроу"/"SUNGROW" meet), or, with
   no investor named, its region and sector. Cost grows with the sum of squared block sizes, near-linear
   for news archives where each company has a handful of deals.
2. Pair scoring: hard rules first (never two mentions of one article; never an aggregate with a
   project; countries and regions must not disagree; nor sectors, unless a capacity or amount agrees;
   capacities in one unit must overlap; an unnamed investor needs a matching capacity or amount), then a score from the features that agree
   (investor similarity, region, district, sector, capacity, USD amount within 15%, project words, dates
   within two years). Every link keeps its reasons.
3. Clustering: links in order of score join clusters (union-find), unless the joined cluster would
   hold two mentions of one article or a pair that breaks a hard rule (checked on up to 25 members of
   each side, so the cost stays linear when a deal has thousands of reports). Blocks of more than 400
   mentions are compared in a sliding window of 40 neighbours in (region, sector, date) order.
4. Merging by the rules stated on :class:`~fdi_extract.model.Deal`; disagreements go to ``conflicts``.

Optionally (off by default) an adjudicator — :class:`fdi_extract.adjudicate.Adjudicator`, the configured
LLM — judges the borderline links (no capacity, amount or project words behind them) before clustering;
a pair it calls two projects is never put in one deal. This module itself never calls an LLM.

Why not Splink: Fellegi–Sunter weights are learnt from agreement patterns over many comparisons, but
the decisive evidence here is structural (one mention per article and deal; aggregates apart from
their projects; transliteration skeletons) and the labelled data is a few dozen mentions. Hand rules
state that directly and run in memory in seconds for 100,000 mentions (bench/reconcile.py); Splink
would earn its place for archives too big for one machine, through its Spark backend.

Deal ids are stable: a deal keeps the id its mentions already carry (incremental runs read the
previous ``mentions.jsonl``), and a new deal is named by a hash of its earliest mention.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from fdi_extract.model import (
    CapacityUnit,
    Conflict,
    ConflictValue,
    Deal,
    DealMention,
    Investor,
    Link,
    Sector,
    Source,
    TimelineEntry,
    most_advanced,
)
from fdi_extract.normalize.companies import (
    canonical_company,
    company_similarity,
    same_family,
    skeleton,
)

_SAME_INVESTOR = 85.0
_USD_TOLERANCE = 0.15
_MAX_YEARS_APART = 2
_MAX_FULL_BLOCK = 400  # larger blocks are compared within a sliding window of neighbours
_NEIGHBOURHOOD = 40
_CHECKED_MEMBERS = 25
_SPECIFIC_REASONS = {"capacity", "amount_usd", "project"}  # a link without any of these is borderline  # members of each side checked against each other before two clusters join


def _year(published: str | None) -> int | None:
    return int(published[:4]) if published else None


def _mention_key(mention: DealMention) -> str:
    parts = [
        mention.article_id,
        ",".join(sorted(canonical_company(i.name) for i in mention.investors)),
        mention.region or "",
        mention.sector.value,
        f"{mention.amount.value}:{mention.amount.currency}" if mention.amount else "",
        ",".join(f"{c.value}:{c.unit.value}" for c in mention.capacity),
        str(mention.aggregate),
        mention.project,
    ]
    return "|".join(parts)


@dataclass(slots=True)
class _Features:
    """What scoring and clustering read of a mention: a small record instead of the whole one, so
    the mentions of a large archive fit in memory while their evidence stays in the store."""

    article_id: str
    published: str | None
    key: str
    carried_id: str | None
    investors: tuple[str, ...]
    investor_keys: tuple[str, ...]
    host_country: str | None
    region: str | None
    district: str | None
    sector: Sector
    project: str
    aggregate: bool
    usd: float | None
    capacity: tuple[tuple[str, float], ...]

    @classmethod
    def of(cls, mention: DealMention) -> _Features:
        keys = tuple(key for i in mention.investors if (key := canonical_company(i.name)))
        return cls(
            article_id=mention.article_id, published=mention.published, key=_mention_key(mention),
            carried_id=mention.deal_id, investors=tuple(i.name for i in mention.investors), investor_keys=keys,
            host_country=mention.host_country, region=mention.region, district=mention.district,
            sector=mention.sector, project=mention.project, aggregate=mention.aggregate,
            usd=mention.amount.usd if mention.amount else None,
            capacity=tuple((c.unit.value, c.value) for c in mention.capacity),
        )



def _sort_key(m: DealMention | _Features) -> tuple[str, str]:
    """Report order: by date (undated last), then article."""
    return (m.published or "9999", m.article_id)


def _block_keys(f: _Features) -> set[tuple[str, ...]]:
    if f.investor_keys:
        firsts = [key.split()[0] for key in f.investor_keys]
        # The first letters too: a group and a subsidiary named from it ("Total Eren", "TotalEnergies") meet.
        return {("investor", skeleton(first) or first) for first in firsts} | {("start", first[:4]) for first in firsts}
    return {("unnamed", f.region or f.host_country or "", f.sector.value)}


def _candidate_pairs(members: list[int], features: list[_Features]) -> Iterable[tuple[int, int]]:
    """Every pair of a block, or — for a block too big for that (a company in thousands of articles) —
    each mention with its neighbours in (region, sector, date) order: the sorted-neighbourhood method."""
    if len(members) <= _MAX_FULL_BLOCK:
        return ((i, j) for x, i in enumerate(members) for j in members[x + 1 :])
    ordered = sorted(members, key=lambda i: (features[i].region or "", features[i].sector.value,
                                             features[i].published or ""))
    return ((i, j) for x, i in enumerate(ordered) for j in ordered[x + 1 : x + 1 + _NEIGHBOURHOOD])


def _capacity_overlap(a: _Features, b: _Features) -> bool | None:
    """True when a capacity of each agrees (within 2%) in one unit, or where one side's unit could not be
    read ("500 тыс. тонн" with no period is unit "other"); False when both state one in a shared unit and
    none agrees; None when that cannot be told."""
    if any(abs(x - y) <= 0.02 * max(x, y) for x_unit, x in a.capacity for y_unit, y in b.capacity
           if x_unit == y_unit or CapacityUnit.other.value in (x_unit, y_unit)):
        return True
    return False if {unit for unit, _ in a.capacity} & {unit for unit, _ in b.capacity} else None


def _usd_close(a: _Features, b: _Features) -> bool:
    if not (a.usd and b.usd):
        return False
    return abs(a.usd - b.usd) <= _USD_TOLERANCE * max(a.usd, b.usd)


def compare(a: DealMention, b: DealMention) -> Link | None:
    """A link between two mentions of one deal, with its reasons; None when they are not one deal."""
    scored = _score(_Features.of(a), _Features.of(b))
    return None if scored is None else Link(a="", b="", score=scored[0], reasons=list(scored[1]))


def _score(a: _Features, b: _Features) -> tuple[float, tuple[str, ...]] | None:
    # A plain tuple rather than a Link: reconciling an archive scores millions of pairs, and only the
    # links that join clusters are kept.
    if a.article_id == b.article_id or a.aggregate != b.aggregate:
        return None
    for x, y in ((a.host_country, b.host_country), (a.region, b.region)):
        if x and y and x != y:
            return None
    capacity = _capacity_overlap(a, b)
    if capacity is False:
        return None
    usd = _usd_close(a, b)
    # A sector is the model's reading and drifts (a corn-processing plant is "manufacturing" in one report,
    # "agriculture_food" in the next); a stated figure that agrees outweighs it.
    if a.sector != b.sector and Sector.other not in (a.sector, b.sector) and not (capacity or usd):
        return None
    reasons: list[str] = []
    score = 0.0
    if a.investors and b.investors:
        similarity = max(company_similarity(x, y) for x in a.investors for y in b.investors)
        if similarity >= _SAME_INVESTOR:
            score += 3.0
            reasons.append(f"investor {similarity:.0f}")
        elif (capacity or usd) and a.region and a.region == b.region and any(
                same_family(x, y) for x in a.investors for y in b.investors):
            score += 2.0  # a group and its subsidiary under another name, tied by a figure and a region
            reasons.append("investor family")
        else:
            return None
    elif a.investors or b.investors or not (capacity or usd):
        return None  # without a named investor on both sides, only a shared figure can tie two reports
    if a.region and a.region == b.region:
        score += 1.0
        reasons.append("region")
    if a.district and b.district and fuzz.token_set_ratio(a.district, b.district) >= 80:
        score += 0.5
        reasons.append("district")
    if a.sector == b.sector:
        score += 1.0
        reasons.append("sector")
    if capacity:
        score += 2.0
        reasons.append("capacity")
    if usd:
        score += 1.5
        reasons.append("amount_usd")
    elif not (a.usd or a.capacity or b.usd or b.capacity):
        # Reports of one project tend to carry the same kind of facts: where an investor has a plant with
        # figures and another without in one region, a report without figures goes with its like.
        score += 0.5
        reasons.append("neither states a figure")
    if a.project and b.project and fuzz.token_set_ratio(a.project.lower(), b.project.lower()) >= 70:
        score += 0.5
        reasons.append("project")
    ya, yb = _year(a.published), _year(b.published)
    if ya and yb:
        if abs(ya - yb) > _MAX_YEARS_APART:
            return None
        score += 0.25
        reasons.append("date")
    return score, tuple(reasons)


class _Clusters:
    """Union-find over mentions that refuses merges breaking the one-mention-per-article rule or a hard rule."""

    def __init__(self, features: list[_Features], apart: set[tuple[int, int]]):
        self.parent = list(range(len(features)))
        self.members = {i: [i] for i in range(len(features))}
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
        if any(_score(self.features[x], self.features[y]) is None
               for x in left[:_CHECKED_MEMBERS] for y in right[:_CHECKED_MEMBERS]):
            return False
        if self.apart_from:
            smaller, other_root = (left, rj) if len(left) <= len(right) else (right, ri)
            if any(self.find(y) == other_root for x in smaller for y in self.apart_from.get(x, ())):
                return False
        if len(left) < len(right):
            ri, rj, left, right = rj, ri, right, left
        self.parent[rj] = ri
        left.extend(right)
        del self.members[rj]
        return True


def _most_common(values: Iterable[str | None]) -> str | None:
    counted = Counter(v for v in values if v)
    return counted.most_common(1)[0][0] if counted else None


class DealPlan:
    """Which mention belongs to which deal, decided from compact features; :meth:`merge` then builds a
    deal from its mentions, one deal at a time, so a caller holding mentions in a store never needs them
    all in memory at once.

    ``deal_ids[i]`` is the deal of the i-th mention given; ``groups`` lists (deal id, mention indices) in
    output order (by each deal's earliest report).
    """

    def __init__(self, mentions: Iterable[DealMention],
                 adjudicate: Callable[[list[tuple[int, int]]], list[bool]] | None = None):
        """``adjudicate``, when given, is asked about the borderline links (no capacity, amount or project
        words behind them) as pairs of mention indices, and answers True where they are one project
        (see :mod:`fdi_extract.adjudicate`)."""
        features = [_Features.of(m) for m in mentions]
        blocks: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for index, f in enumerate(features):
            for key in _block_keys(f):
                blocks[key].append(index)
        scored: dict[tuple[int, int], tuple[float, tuple[str, ...]]] = {}
        for members in blocks.values():
            for i, j in _candidate_pairs(members, features):
                pair = (min(i, j), max(i, j))
                if pair not in scored and (found := _score(features[i], features[j])) is not None:
                    scored[pair] = found
        del blocks
        apart: set[tuple[int, int]] = set()
        if adjudicate is not None:
            borderline = sorted(pair for pair, (_, reasons) in scored.items() if not _SPECIFIC_REASONS & set(reasons))
            apart = {pair for pair, same in zip(borderline, adjudicate(borderline), strict=True) if not same}
            for pair in apart:
                del scored[pair]
        # Strongest links first; ties by mention order so that re-runs cluster alike.
        ranked = sorted((-score, pair, reasons) for pair, (score, reasons) in scored.items())
        del scored
        clusters = _Clusters(features, apart)
        kept = [(pair, -negative, reasons) for negative, pair, reasons in ranked if clusters.union(*pair)]
        del ranked
        by_root: dict[int, list[int]] = defaultdict(list)
        for index in range(len(features)):
            by_root[clusters.find(index)].append(index)

        self.deal_ids: list[str] = [""] * len(features)
        self.groups: list[tuple[str, list[int]]] = []
        taken: set[str] = set()
        for _, members in sorted(by_root.items(), key=lambda g: min(_sort_key(features[i]) for i in g[1])):
            carried = Counter(features[i].carried_id for i in members if features[i].carried_id)
            deal_id = next((i for i, _ in carried.most_common() if i not in taken), None)
            if deal_id is None:
                earliest = min(members, key=lambda i: (_sort_key(features[i]), features[i].key))
                # Two deals of one article can look alike field for field; a counter keeps their ids apart.
                seed, attempt = features[earliest].key, 0
                while deal_id is None or deal_id in taken:
                    deal_id = "deal-" + hashlib.sha1(f"{seed}#{attempt}".encode()).hexdigest()[:12]
                    attempt += 1
            taken.add(deal_id)
            for i in members:
                self.deal_ids[i] = deal_id
            self.groups.append((deal_id, members))
        self._links: dict[str, list[Link]] = defaultdict(list)
        for (i, j), score, reasons in kept:
            self._links[self.deal_ids[i]].append(
                Link(a=features[i].key, b=features[j].key, score=score, reasons=list(reasons)))
        self._components, self._part_of = _aggregate_links(features, self.groups)

    def merge(self, deal_id: str, mentions: Iterable[DealMention]) -> Deal:
        """The deal ``deal_id`` from its mentions (those whose ``deal_ids`` entry is ``deal_id``)."""
        deal = _merge(deal_id, sorted(mentions, key=_sort_key), self._links.get(deal_id, []))
        deal.components = self._components.get(deal_id, [])
        deal.part_of = self._part_of.get(deal_id, [])
        return deal


@dataclass(slots=True)
class _GroupFacts:
    """What linking aggregates reads of a deal: its articles in report order, region, investors, kind."""

    articles: list[str]
    region: str | None
    keys: set[str]
    aggregate: bool


def _aggregate_links(features: list[_Features], groups: list[tuple[str, list[int]]]
                     ) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """An aggregate covers the projects reported beside it in the same article, in its region or by its investors."""
    summary: dict[str, _GroupFacts] = {}
    by_article: dict[str, list[str]] = defaultdict(list)
    for deal_id, members in groups:
        ordered = sorted(members, key=lambda i: _sort_key(features[i]))
        group = summary[deal_id] = _GroupFacts(
            articles=list(dict.fromkeys(features[i].article_id for i in ordered)),
            region=_most_common(features[i].region for i in members),
            keys={key for i in members for key in features[i].investor_keys},
            aggregate=features[members[0]].aggregate,
        )
        for article_id in group.articles:
            by_article[article_id].append(deal_id)
    components: dict[str, list[str]] = defaultdict(list)
    part_of: dict[str, list[str]] = defaultdict(list)
    for deal_id, group in summary.items():
        if not group.aggregate:
            continue
        for article_id in group.articles:
            for other in by_article[article_id]:
                project = summary[other]
                if project.aggregate or other in components[deal_id]:
                    continue
                if (group.region and project.region == group.region) or group.keys & project.keys:
                    components[deal_id].append(other)
                    part_of[other].append(deal_id)
    return components, part_of


def _merge(deal_id: str, mentions: list[DealMention], links: list[Link]) -> Deal:
    investors: dict[str, Investor] = {}
    for investor in (i for m in mentions for i in m.investors):
        known = next((k for k in investors if company_similarity(k, investor.name) >= _SAME_INVESTOR), None)
        if known is None:
            investors[investor.name] = investor
        elif len(investor.name) > len(known):
            investors[investor.name] = investors.pop(known).model_copy(update={"name": investor.name})
    with_amount = [m for m in mentions if m.amount]
    dated = [m for m in with_amount if m.published] or with_amount
    amount = dated[-1].amount if dated else None
    conflicts = []
    distinct_amounts = {(m.amount.currency, m.amount.value) for m in with_amount}
    if len(distinct_amounts) > 1:
        conflicts.append(Conflict(field="amount", values=[
            ConflictValue(value=f"{m.amount.text} = {m.amount.currency} {m.amount.value:,.0f}", article_id=m.article_id,
                          published=m.published) for m in with_amount
        ]))
    regions = {m.region for m in mentions if m.region}
    if len(regions) > 1:
        conflicts.append(Conflict(field="region", values=[
            ConflictValue(value=m.region, article_id=m.article_id, published=m.published) for m in mentions if m.region
        ]))
    capacity = []
    for c in (c for m in mentions for c in m.capacity):
        if not any(c.unit == k.unit and c.value == k.value for k in capacity):
            capacity.append(c)
    sectors = [m.sector.value for m in mentions if m.sector is not Sector.other]
    return Deal(
        deal_id=deal_id,
        investors=list(investors.values()),
        investor_country=_most_common(m.investor_country for m in mentions),
        host_country=_most_common(m.host_country for m in mentions),
        region=_most_common(m.region for m in mentions),
        district=_most_common(m.district for m in mentions),
        city=_most_common(m.city for m in mentions),
        project=max((m.project for m in mentions), key=len, default=""),
        sector=Sector(_most_common(sectors) or Sector.other),
        amount=amount,
        capacity=capacity,
        jobs=max((m.jobs for m in mentions if m.jobs is not None), default=None),
        stage=most_advanced(m.stage for m in mentions),
        aggregate=mentions[0].aggregate,
        sources=[Source(article_id=m.article_id, published=m.published, url=m.url, stage=m.stage, amount=m.amount,
                        evidence=m.evidence, reasons=m.reasons) for m in mentions],
        conflicts=conflicts,
        timeline=[TimelineEntry(published=m.published, stage=m.stage, article_id=m.article_id) for m in mentions],
        links=links,
    )


def reconcile(mentions: list[DealMention],
              adjudicate: Callable[[list[tuple[DealMention, DealMention]]], list[bool]] | None = None) -> list[Deal]:
    """Group mentions into deals; returns the deals and sets ``deal_id`` on every mention.

    Mentions that already carry a ``deal_id`` (from an earlier run) keep it when their deal does.
    ``adjudicate`` (optional, e.g. :class:`fdi_extract.adjudicate.Adjudicator`) judges borderline pairs.
    """
    plan = DealPlan(mentions, None if adjudicate is None else
                    lambda pairs: adjudicate([(mentions[i], mentions[j]) for i, j in pairs]))
    for mention, deal_id in zip(mentions, plan.deal_ids, strict=True):
        mention.deal_id = deal_id
    return [plan.merge(deal_id, (mentions[i] for i in members)) for deal_id, members in plan.groups]


@dataclass(frozen=True)
class ClusterScores:
    pairwise_precision: float
    pairwise_recall: float
    bcubed_precision: float
    bcubed_recall: float

    @property
    def bcubed_f1(self) -> float:
        p, r = self.bcubed_precision, self.bcubed_recall
        return 2 * p * r / (p + r) if p + r else 0.0


def cluster_scores(truth: list[str], predicted: list[str]) -> ClusterScores:
    """Pairwise and B-cubed precision/recall of ``predicted`` cluster labels against ``truth`` labels."""
    if len(truth) != len(predicted):
        raise ValueError("truth and predicted must label the same items")
    n = len(truth)
    truth_size = Counter(truth)
    pred_size = Counter(predicted)
    joint = Counter(zip(truth, predicted, strict=True))

    def pairs(sizes: Counter) -> int:
        return sum(k * (k - 1) // 2 for k in sizes.values())

    same_truth, same_pred, both = pairs(truth_size), pairs(pred_size), pairs(joint)
    precision = sum(joint[(t, p)] / pred_size[p] for t, p in zip(truth, predicted, strict=True)) / n if n else 1.0
    recall = sum(joint[(t, p)] / truth_size[t] for t, p in zip(truth, predicted, strict=True)) / n if n else 1.0
    return ClusterScores(
        pairwise_precision=both / same_pred if same_pred else 1.0,
        pairwise_recall=both / same_truth if same_truth else 1.0,
        bcubed_precision=precision,
        bcubed_recall=recall,
    )


__all__ = ["ClusterScores", "DealPlan", "cluster_scores", "compare", "reconcile"]
