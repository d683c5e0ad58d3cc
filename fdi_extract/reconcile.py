"""Reconciliation: mentions of one real-world deal across articles become one :class:`Deal`.

Method
1. Blocking: a mention is compared only with mentions sharing a block key — the consonant skeleton of
   an investor's leading name word (so "Heangshui"/"Hengshui" and "Сангроу"/"SUNGROW" meet), or, with
   no investor named, its region and sector. Cost grows with the sum of squared block sizes, near-linear
   for news archives where each company has a handful of deals.
2. Pair scoring: hard rules first (never two mentions of one article; never an aggregate with a
   project; countries, regions and sectors must not disagree; capacities in one unit must overlap; an
   unnamed investor needs a matching capacity or amount), then a score from the features that agree
   (investor similarity, region, district, sector, capacity, USD amount within 15%, project words, dates
   within two years). Every link keeps its reasons.
3. Clustering: links in order of score join clusters (union-find), unless the joined cluster would
   hold two mentions of one article or a pair that breaks a hard rule (checked on up to 25 members of
   each side, so the cost stays linear when a deal has thousands of reports). Blocks of more than 400
   mentions are compared in a sliding window of 40 neighbours in (region, sector, date) order.
4. Merging by the rules stated on :class:`~fdi_extract.model.Deal`; disagreements go to ``conflicts``.

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
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from fdi_extract.model import (
    STAGE_ORDER,
    Conflict,
    ConflictValue,
    Deal,
    DealMention,
    Investor,
    Link,
    Sector,
    Source,
    TimelineEntry,
)
from fdi_extract.normalize.companies import canonical_company, company_similarity

_SAME_INVESTOR = 85.0
_USD_TOLERANCE = 0.15
_MAX_YEARS_APART = 2
_MAX_FULL_BLOCK = 400  # larger blocks are compared within a sliding window of neighbours
_NEIGHBOURHOOD = 40
_CHECKED_MEMBERS = 25  # members of each side checked against each other before two clusters join


def _skeleton(word: str) -> str:
    return re.sub(r"[aeiouyw]", "", word.replace("w", "u")) or word


def _year(published: str | None) -> int | None:
    return int(published[:4]) if published else None


@dataclass
class _Node:
    index: int
    mention: DealMention
    key: str
    investor_keys: list[str] = field(default_factory=list)


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


def _block_keys(node: _Node) -> set[tuple[str, ...]]:
    if node.investor_keys:
        return {("investor", _skeleton(key.split()[0])) for key in node.investor_keys if key}
    m = node.mention
    return {("unnamed", m.region or m.host_country or "", m.sector.value)}


def _candidate_pairs(members: list[int], nodes: list[_Node]) -> Iterable[tuple[int, int]]:
    """Every pair of a block, or — for a block too big for that (a company in thousands of articles) —
    each mention with its neighbours in (region, sector, date) order: the sorted-neighbourhood method."""
    if len(members) <= _MAX_FULL_BLOCK:
        return ((i, j) for x, i in enumerate(members) for j in members[x + 1 :])
    ordered = sorted(members, key=lambda i: (nodes[i].mention.region or "", nodes[i].mention.sector.value,
                                             nodes[i].mention.published or ""))
    return ((i, j) for x, i in enumerate(ordered) for j in ordered[x + 1 : x + 1 + _NEIGHBOURHOOD])


def _capacity_overlap(a: DealMention, b: DealMention) -> bool | None:
    """True/False when both state a capacity in a shared unit, None when that cannot be told."""
    units = {c.unit for c in a.capacity} & {c.unit for c in b.capacity}
    if not units:
        return None
    return any(
        x.unit == y.unit and abs(x.value - y.value) <= 0.02 * max(x.value, y.value)
        for x in a.capacity for y in b.capacity if x.unit in units
    )


def _usd_close(a: DealMention, b: DealMention) -> bool:
    if not (a.amount and b.amount and a.amount.usd and b.amount.usd):
        return False
    return abs(a.amount.usd - b.amount.usd) <= _USD_TOLERANCE * max(a.amount.usd, b.amount.usd)


def compare(a: DealMention, b: DealMention) -> Link | None:
    """A link between two mentions of one deal, with its reasons; None when they are not one deal."""
    scored = _score(a, b)
    return None if scored is None else Link(a="", b="", score=scored[0], reasons=list(scored[1]))


def _score(a: DealMention, b: DealMention) -> tuple[float, tuple[str, ...]] | None:
    # A plain tuple rather than a Link: reconciling an archive scores millions of pairs, and only the
    # links that join clusters are kept as models.
    if a.article_id == b.article_id or a.aggregate != b.aggregate:
        return None
    for name in ("host_country", "region"):
        x, y = getattr(a, name), getattr(b, name)
        if x and y and x != y:
            return None
    if a.sector != b.sector and Sector.other not in (a.sector, b.sector):
        return None
    capacity = _capacity_overlap(a, b)
    if capacity is False:
        return None
    usd = _usd_close(a, b)
    reasons: list[str] = []
    score = 0.0
    if a.investors and b.investors:
        similarity = max(company_similarity(x.name, y.name) for x in a.investors for y in b.investors)
        if similarity < _SAME_INVESTOR:
            return None
        score += 3.0
        reasons.append(f"investor {similarity:.0f}")
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

    def __init__(self, nodes: list[_Node]):
        self.parent = list(range(len(nodes)))
        self.members = {i: [i] for i in range(len(nodes))}
        self.nodes = nodes

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
        if {self.nodes[k].mention.article_id for k in left} & {self.nodes[k].mention.article_id for k in right}:
            return False
        # Complete-link check on (at most) the first members of each side, so a giant cluster stays linear.
        if any(_score(self.nodes[x].mention, self.nodes[y].mention) is None
               for x in left[:_CHECKED_MEMBERS] for y in right[:_CHECKED_MEMBERS]):
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


def _sort_key(m: DealMention) -> tuple[str, str]:
    return (m.published or "9999", m.article_id)


def _merge(deal_id: str, nodes: list[_Node], links: list[Link]) -> Deal:
    mentions = sorted((n.mention for n in nodes), key=_sort_key)
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
        stage=max((m.stage for m in mentions), key=lambda s: STAGE_ORDER[s]),
        aggregate=mentions[0].aggregate,
        sources=[Source(article_id=m.article_id, published=m.published, url=m.url, stage=m.stage, amount=m.amount,
                        evidence=m.evidence) for m in mentions],
        conflicts=conflicts,
        timeline=[TimelineEntry(published=m.published, stage=m.stage, article_id=m.article_id) for m in mentions],
        links=links,
    )


def reconcile(mentions: list[DealMention]) -> list[Deal]:
    """Group mentions into deals; returns the deals and sets ``deal_id`` on every mention.

    Mentions that already carry a ``deal_id`` (from an earlier run) keep it when their deal does.
    """
    nodes = [
        _Node(i, m, _mention_key(m), [canonical_company(x.name) for x in m.investors if canonical_company(x.name)])
        for i, m in enumerate(mentions)
    ]
    blocks: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for node in nodes:
        for key in _block_keys(node):
            blocks[key].append(node.index)
    scored: dict[tuple[int, int], tuple[float, tuple[str, ...]]] = {}
    for members in blocks.values():
        for i, j in _candidate_pairs(members, nodes):
            pair = (min(i, j), max(i, j))
            if pair not in scored and (found := _score(nodes[i].mention, nodes[j].mention)) is not None:
                scored[pair] = found
    clusters = _Clusters(nodes)
    kept: list[tuple[tuple[int, int], Link]] = []
    # Strongest links first; ties by mention order so that re-runs cluster alike.
    links = sorted((-score, pair, reasons) for pair, (score, reasons) in scored.items())
    del scored
    for negative_score, pair, reasons in links:
        if clusters.union(*pair):
            kept.append((pair, Link(a=nodes[pair[0]].key, b=nodes[pair[1]].key, score=-negative_score,
                                    reasons=list(reasons))))
    groups: dict[int, list[_Node]] = defaultdict(list)
    for node in nodes:
        groups[clusters.find(node.index)].append(node)
    links_by_root: dict[int, list[Link]] = defaultdict(list)
    for pair, link in kept:
        links_by_root[clusters.find(pair[0])].append(link)

    deals: list[Deal] = []
    taken_ids: set[str] = set()
    for root, members in sorted(groups.items(), key=lambda g: min(_sort_key(n.mention) for n in g[1])):
        carried = Counter(n.mention.deal_id for n in members if n.mention.deal_id)
        deal_id = next((i for i, _ in carried.most_common() if i not in taken_ids), None)
        if deal_id is None:
            earliest = min(members, key=lambda n: (_sort_key(n.mention), n.key))
            # Two deals of one article can look alike field for field; a counter keeps their ids apart.
            seed, attempt = earliest.key, 0
            while deal_id is None or deal_id in taken_ids:
                deal_id = "deal-" + hashlib.sha1(f"{seed}#{attempt}".encode()).hexdigest()[:12]
                attempt += 1
        taken_ids.add(deal_id)
        for node in members:
            node.mention.deal_id = deal_id
        deals.append(_merge(deal_id, members, links_by_root[root]))
    _link_aggregates(deals)
    return deals


def _link_aggregates(deals: list[Deal]) -> None:
    """An aggregate covers the projects reported beside it in the same article, in its region or by its investors."""
    by_article: dict[str, list[Deal]] = defaultdict(list)
    for deal in deals:
        for source in deal.sources:
            by_article[source.article_id].append(deal)
    for deal in deals:
        if not deal.aggregate:
            continue
        keys = {canonical_company(i.name) for i in deal.investors}
        for source in deal.sources:
            for other in by_article[source.article_id]:
                if other.aggregate or other.deal_id in deal.components:
                    continue
                same_place = deal.region and other.region == deal.region
                shares_investor = keys & {canonical_company(i.name) for i in other.investors}
                if same_place or shares_investor:
                    deal.components.append(other.deal_id)
                    other.part_of.append(deal.deal_id)


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


__all__ = ["ClusterScores", "cluster_scores", "compare", "reconcile"]
