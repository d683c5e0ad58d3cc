"""Pair scoring: whether two mentions may be one deal, how strongly, and why.

Hard rules first: never two mentions of one article; never an aggregate with a project; countries and
regions must not disagree; nor what the projects build, where both say; nor sectors, unless a capacity or
amount agrees; capacities in one unit must overlap (clustering lets two that do not into one deal where a
report of it states both); a report that names no investor needs a figure that agrees (against one that
names it, the same region; against another that names none, a date within a month), or, against another
that names none and states no figure either, the same region and sector and a date within a day. Then the
pair's level in each comparison declared in ``data/comparisons.toml`` (investor, region, district, sector,
capacity, USD amount within 15%, project words or kind of thing built, date), and its score, the sum of
those levels' match weights (:mod:`.weights`: learned from the archive, or the priors).
Plain Python over :class:`MentionFeatures`, run inside whichever engine gathered the blocks
(:func:`score_blocks` is the Arrow form both engines call, :func:`pattern_counts` what weights learn from).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from functools import cache
from itertools import chain, groupby
from operator import itemgetter

import pyarrow as pa
from rapidfuzz import fuzz

from fdi_extract.model import CapacityUnit, DealMention, Link, Sector
from fdi_extract.normalize.companies import key_similarity, name_words, skeleton
from fdi_extract.reconcile.features import (
    CAPACITY_TOLERANCE,
    FAMILY_BLOCK,
    FIGURE_BLOCK,
    USD_TOLERANCE,
    MentionFeatures,
    distinct_features,
    figure_cells,
    same_family,
    starts_family,
)
from fdi_extract.reconcile.weights import MatchWeights, Pattern, comparisons, pattern_code

SAME_INVESTOR = 85.0
_MAX_YEARS_APART = 2
# Two reports that name no investor are one deal only when published this close: reports of one
# announcement (a region's total, an unnamed plant) come out together.
UNNAMED_MONTHS_APART = 1
# Two that name no investor and state no figure either have only when, where and what to go by: the same
# region and sector, published within this many days (the outlets' reports of one day's announcement).
UNNAMED_WITHOUT_FIGURES_DAYS_APART = 1
# A link with none of these levels behind it is borderline: adjudication may ask a model about it.
SPECIFIC_LEVELS = (("capacity", "agrees"), ("amount", "agrees"), ("project", "alike"))

# A pair's levels travel as their pattern_code; the reasons of the links kept are written from it at the end.
SCORED = pa.schema([("i", pa.int64()), ("j", pa.int64()), ("score", pa.float64()), ("pattern", pa.int64())])


def _year(published: str | None) -> int | None:
    return int(published[:4]) if published else None


def _months_apart(a: str | None, b: str | None) -> int:
    """Calendar months between two report dates ("2025-10-10", "2025-11"); 0 where either is unknown or
    gives only its year."""
    if not (a and b and len(a) >= 7 and len(b) >= 7):
        return 0
    return abs((int(a[:4]) - int(b[:4])) * 12 + int(a[5:7]) - int(b[5:7]))


def _days_apart(a: str | None, b: str | None) -> int | None:
    """Days between two report dates given to the day ("2025-10-10"); None where either gives less."""
    if not (a and b and len(a) == 10 and len(b) == 10):
        return None
    try:
        return abs((dt.date.fromisoformat(a) - dt.date.fromisoformat(b)).days)
    except ValueError:
        return None


def _investor_similarity(a: MentionFeatures, b: MentionFeatures) -> float:
    """How alike the two mentions' investors are at best (:func:`key_similarity` of their keys)."""
    return max((key_similarity(x, y) for x in a.investor_keys for y in b.investor_keys), default=0.0)


def _capacity_overlap(a: MentionFeatures, b: MentionFeatures) -> bool | None:
    """True when a capacity of each agrees (within 2%) in one unit, or where one side's unit could not be
    read ("500 тыс. тонн" with no period is unit "other"); False when both state one in a shared unit and
    none agrees; None when that cannot be told."""
    if not (a.capacity and b.capacity):
        return None
    if any(
        abs(x - y) <= CAPACITY_TOLERANCE * max(x, y)
        for x_unit, x in a.capacity
        for y_unit, y in b.capacity
        if x_unit == y_unit or CapacityUnit.other.value in (x_unit, y_unit)
    ):
        return True
    return False if {unit for unit, _ in a.capacity} & {unit for unit, _ in b.capacity} else None


def capacities_disagree(a: MentionFeatures, b: MentionFeatures) -> bool:
    """Whether each states a capacity in a shared unit and none agrees: the rule of capacities keeps them apart.
    One plant told by its first phase in one report and in full in another is such a pair; clustering joins it
    where a report of the deal states both figures and no other hard rule keeps the two apart."""
    return _capacity_overlap(a, b) is False


def states_the_capacities_of_both(report: MentionFeatures, a: MentionFeatures, b: MentionFeatures) -> bool:
    """Whether ``report`` states a capacity that agrees with one of ``a`` and another that agrees with one of
    ``b`` ("from 500,000 to 1 million tonnes a year" against 500,000 and 1 million)."""
    return bool(_capacity_overlap(report, a)) and bool(_capacity_overlap(report, b))


def _usd_close(a: MentionFeatures, b: MentionFeatures) -> bool:
    if not (a.usd and b.usd):
        return False
    return abs(a.usd - b.usd) <= USD_TOLERANCE * max(a.usd, b.usd)


def compare(a: DealMention, b: DealMention, weights: MatchWeights | None = None) -> Link | None:
    """A link between two mentions of one deal, with its reasons; None when they are not one deal."""
    scored = score(MentionFeatures.of(0, a), MentionFeatures.of(1, b), weights)
    return None if scored is None else Link(a="", b="", score=scored[0], reasons=list(scored[1]))


def score(
    a: MentionFeatures, b: MentionFeatures, weights: MatchWeights | None = None
) -> tuple[float, tuple[str, ...]] | None:
    """(score, reasons) of a pair that may be one deal, by ``weights`` (default: the priors); None where a
    hard rule keeps them apart."""
    # A plain tuple rather than a Link: reconciling an archive scores millions of pairs, and only the
    # links that join clusters are kept.
    pattern = levels(a, b)
    return None if pattern is None else (weights or _priors()).score(pattern)


@cache
def _priors() -> MatchWeights:
    return MatchWeights.priors()


_INVESTOR, _REGION, _DISTRICT, _SECTOR, _CAPACITY, _AMOUNT, _PROJECT, _DATE = (
    {level.name: index for index, level in enumerate(c.levels)} for c in comparisons()
)


def levels(
    a: MentionFeatures, b: MentionFeatures, *, vetoes: bool = True, capacities_must_agree: bool = True
) -> Pattern | None:
    """The pair's level in each comparison of ``data/comparisons.toml`` (in its order); None where a hard
    rule keeps the two apart. With ``vetoes`` false, the levels of any two reports (of different articles),
    as weights learn how the pairs a hard rule keeps apart fall in the other comparisons; with
    ``capacities_must_agree`` false, every hard rule but that of capacities (:func:`capacities_disagree`)."""
    if a.article_id == b.article_id:
        return None
    # The hard rules that need no comparison's level: a total and a project are two deals; countries, regions
    # and the kinds of thing built (a greenhouse, a poultry farm) must not disagree. Written out, not called:
    # this runs for every candidate pair of an archive.
    if vetoes and (
        a.aggregate != b.aggregate
        or (a.host_country and b.host_country and a.host_country != b.host_country)
        or (a.region and b.region and a.region != b.region)
        or (a.kinds and b.kinds and not set(a.kinds) & set(b.kinds))
    ):
        return None
    capacity = _capacity_overlap(a, b)
    usd = _usd_close(a, b)
    figure = bool(capacity or usd)
    no_figures = not (a.usd or a.capacity or b.usd or b.capacity)
    # A sector is the model's reading and drifts (a corn-processing plant is "manufacturing" in one report,
    # "agriculture_food" in the next); a stated figure that agrees outweighs it.
    if vetoes and (
        (capacity is False and capacities_must_agree)
        or a.sector != b.sector
        and Sector.other not in (a.sector, b.sector)
        and not figure
    ):
        return None
    same_region = bool(a.region and a.region == b.region)
    investor = _investor_level(a, b)
    if vetoes and not _investors_may_be_one(investor, a, b, figure, same_region, no_figures):
        return None
    ya, yb = _year(a.published), _year(b.published)
    if not (ya and yb):
        date = _DATE["unknown"]
    elif abs(ya - yb) > _MAX_YEARS_APART:
        if vetoes:
            return None
        date = _DATE["further apart"]
    elif len(a.published or "") >= 7 and len(b.published or "") >= 7 and _months_apart(a.published, b.published) <= 1:
        date = _DATE["within a month"]
    else:
        date = _DATE["within two years"]
    if usd:
        amount = _AMOUNT["agrees"]
    elif no_figures:
        # Reports of one project tend to carry the same kind of facts: where an investor has a plant with
        # figures and another without in one region, a report without figures goes with its like.
        amount = _AMOUNT["no figure in either"]
    else:
        amount = _AMOUNT["differs" if a.usd and b.usd else "unknown"]
    if not (a.district and b.district):
        district = _DISTRICT["unknown"]
    else:
        district = _DISTRICT["alike" if fuzz.token_set_ratio(a.district, b.district) >= 80 else "differ"]
    alike = (
        bool(set(a.kinds) & set(b.kinds))
        or a.project
        and b.project
        and fuzz.token_set_ratio(a.project.lower(), b.project.lower()) >= 70
    )
    return (
        investor,
        _REGION["same" if same_region else "differ" if a.region and b.region else "unknown"],
        district,
        _SECTOR["same" if a.sector == b.sector else "unknown" if Sector.other in (a.sector, b.sector) else "differ"],
        _CAPACITY["agrees" if capacity else "differs" if capacity is False else "unknown"],
        amount,
        _PROJECT["alike" if alike else "differ"],
        date,
    )


def _investor_level(a: MentionFeatures, b: MentionFeatures) -> int:
    if a.investors and b.investors:
        if _investor_similarity(a, b) >= SAME_INVESTOR:
            return _INVESTOR["same company"]
        if any(same_family(x, y) for x in a.investor_keys for y in b.investor_keys):
            return _INVESTOR["group and subsidiary"]
        return _INVESTOR["different companies"]
    return _INVESTOR["named in one report" if a.investors or b.investors else "named in neither"]


def _investors_may_be_one(
    investor: int, a: MentionFeatures, b: MentionFeatures, figure: bool, same_region: bool, no_figures: bool
) -> bool:
    """The hard rules on investors. A group and its subsidiary under another name, and a report that names no
    investor against one that does, are one deal only where a figure and the region agree; two reports that
    name none, where a figure agrees and they came out together (the same round sum in one region a year later
    is as likely another project), or, where neither states a figure, where they came out within a day in one
    region and sector."""
    if investor == _INVESTOR["same company"]:
        return True
    if investor in (_INVESTOR["group and subsidiary"], _INVESTOR["named in one report"]):
        return figure and same_region
    if investor == _INVESTOR["named in neither"]:
        if figure:
            return _months_apart(a.published, b.published) <= UNNAMED_MONTHS_APART
        days = _days_apart(a.published, b.published)
        return (
            same_region
            and a.sector == b.sector
            and no_figures
            and days is not None
            and days <= UNNAMED_WITHOUT_FIGURES_DAYS_APART
        )
    return False


# The links kept for a report that names no investor in each figure block it is in (the strongest, to one company).
UNNAMED_LINKS = 3
# How much stronger, in bits, its link to one company must be than to any other (a factor of two in odds).
CLEARLY_STRONGER = 1.0
# Blocks of more than this many mentions (a company in thousands of articles) are compared in a
# sliding window of neighbours in (region, sector, date) order: the sorted-neighbourhood method.
MAX_FULL_BLOCK = 400
NEIGHBOURHOOD = 40


def _candidate_pairs(members: list[MentionFeatures]) -> Iterator[tuple[MentionFeatures, MentionFeatures]]:
    """The pairs of a block that score() could link. Two regions never meet, so each region's mentions are
    paired among themselves and with those of no region; within a region, two sectors meet only where a
    figure agrees (:func:`_sector_pairs`). A group too big to compare whole is compared in a sliding window
    of neighbours in (sector, date) order: the sorted-neighbourhood method."""
    by_region: dict[str | None, list[MentionFeatures]] = defaultdict(list)
    for f in members:
        by_region[f.region].append(f)
    unplaced = by_region.pop(None, [])
    for group in [*by_region.values(), unplaced]:
        yield from _group_pairs(group)
    if unplaced and by_region:
        placed = [f for group in by_region.values() for f in group]
        yield from _across(unplaced, placed, lambda f: f.region is None)


def _group_pairs(group: list[MentionFeatures]) -> Iterator[tuple[MentionFeatures, MentionFeatures]]:
    """The pairs of one region's mentions of a block. Too many to compare whole (the companies of a common
    first word, "China …", "Xinjiang …"), they are split by the skeleton of the investor's second word first
    (names that agree in their first word are one company only where their second words agree too, see
    :func:`~fdi_extract.normalize.companies.key_similarity`), and only a part still too big is compared in a
    sliding window."""
    if len(group) <= MAX_FULL_BLOCK:
        yield from _sector_pairs(group)
        return
    by_second: dict[str, list[MentionFeatures]] = defaultdict(list)
    for f in group:
        for second in {_second_word(key) for key in f.investor_keys} or {""}:
            by_second[second].append(f)
    if len(by_second) == 1:
        yield from _window(group)
        return
    seen: set[tuple[int, int]] = set()  # a mention with two investors is in two parts
    for part in by_second.values():
        for a, b in _sector_pairs(part) if len(part) <= MAX_FULL_BLOCK else _window(part):
            pair = (a.idx, b.idx) if a.idx < b.idx else (b.idx, a.idx)
            if pair not in seen:
                seen.add(pair)
                yield a, b


def _second_word(key: str) -> str:
    words = name_words(key)
    return skeleton(words[1]) if len(words) > 1 else ""


def _window(
    members: list[MentionFeatures], kind: Callable[[MentionFeatures], bool] | None = None
) -> Iterator[tuple[MentionFeatures, MentionFeatures]]:
    """Each mention with its next neighbours in (sector, date) order — of the other ``kind`` when given."""
    ordered = sorted(members, key=lambda f: (f.sector.value, f.published or "", f.idx))
    for x, a in enumerate(ordered):
        yield from ((a, b) for b in ordered[x + 1 : x + 1 + NEIGHBOURHOOD] if kind is None or kind(a) != kind(b))


def _across(
    these: list[MentionFeatures], those: list[MentionFeatures], kind: Callable[[MentionFeatures], bool]
) -> Iterator[tuple[MentionFeatures, MentionFeatures]]:
    """Each of ``these`` with each of ``those``, or, where that is too many, each with its neighbours of the
    other ``kind`` in (sector, date) order."""
    if len(these) * len(those) <= MAX_FULL_BLOCK * MAX_FULL_BLOCK // 2:
        yield from ((a, b) for a in these for b in those)
    else:
        yield from _window([*these, *those], kind)


def _sector_pairs(group: list[MentionFeatures]) -> Iterator[tuple[MentionFeatures, MentionFeatures]]:
    """The pairs of one region's mentions that score() does not veto on sector alone: one sector, or either
    sector "other", or a USD amount or capacity in one cell (:func:`figure_cells`: a figure that may agree)."""
    by_sector: dict[Sector, list[MentionFeatures]] = defaultdict(list)
    for f in group:
        by_sector[f.sector].append(f)
    for sector, same in by_sector.items():
        yield from ((a, b) for x, a in enumerate(same) for b in same[x + 1 :])
        if sector is not Sector.other:
            continue
        yield from ((a, b) for a in same for other, rest in by_sector.items() if other is not sector for b in rest)
    by_cell: dict[str, list[MentionFeatures]] = defaultdict(list)
    for f in group:
        if f.sector is not Sector.other:
            for cell in figure_cells(f):
                by_cell[cell].append(f)
    seen: set[tuple[int, int]] = set()
    for members in by_cell.values():
        for x, a in enumerate(members):
            for b in members[x + 1 :]:
                pair = (min(a.idx, b.idx), max(a.idx, b.idx))
                if a.sector is not b.sector and pair not in seen:
                    seen.add(pair)
                    yield a, b


def _family_pairs(members: list[MentionFeatures]) -> Iterator[tuple[MentionFeatures, MentionFeatures]]:
    """In a block of names that start alike: the pairs whose first words differ, one starting the other (a
    group and a subsidiary named from it); names with one first word already met in their investor block."""
    by_first: dict[str, list[MentionFeatures]] = defaultdict(list)
    for f in members:
        for first in {name_words(key)[0] for key in f.investor_keys}:
            by_first[first].append(f)
    for short in by_first:
        for long in by_first:
            if starts_family(short, long):
                yield from ((a, b) for a in by_first[short] for b in by_first[long])


def _named_with_unnamed(members: list[MentionFeatures]) -> Iterator[tuple[MentionFeatures, MentionFeatures]]:
    """In a block of one figure in one region: each report that names no investor with each that does
    (two named ones meet in their investor's block, two unnamed ones in their place's)."""
    yield from _across(
        [f for f in members if not f.investors], [f for f in members if f.investors], lambda f: bool(f.investors)
    )


def score_blocks(rows: pa.Table, *, copies_alike: bool = True, weights: MatchWeights | None = None) -> pa.Table:
    """The mentions of one or more blocks (its key in ``block``, then :data:`FEATURES` columns, a row each; a
    block's rows next to each other) → the pairs among each block's mentions that may be one deal
    (:data:`SCORED`, i < j), scored by ``weights`` (default: the priors). The one function both engines run:
    over a chunk of blocks, or over one block.

    ``copies_alike``: a report alike in every compared fact to an earlier one is paired with that one only
    (:func:`_copies_apart`). Not so where a model will judge pairs on their words (adjudication): two reports
    alike in their facts may still tell of a greenhouse and a poultry farm."""
    scored: dict[str, list] = {"i": [], "j": [], "score": [], "pattern": []}
    for a, b, (link_score, _, pattern) in _linked(rows, copies_alike, weights or _priors()):
        scored["i"].append(min(a.idx, b.idx))
        scored["j"].append(max(a.idx, b.idx))
        scored["score"].append(link_score)
        scored["pattern"].append(pattern_code(pattern))
    return pa.Table.from_pydict(scored, schema=SCORED)


def is_borderline(pattern: Pattern) -> bool:
    """Whether a pair of this pattern has none of :data:`SPECIFIC_LEVELS` behind it."""
    return not any(
        (c.name, c.levels[level].name) in SPECIFIC_LEVELS for c, level in zip(comparisons(), pattern, strict=True)
    )


PATTERNS = pa.schema([("pattern", pa.int64()), ("candidates", pa.int64()), ("apart", pa.int64())])


def pattern_counts(rows: pa.Table, *, copies_alike: bool = True) -> pa.Table:
    """The rows :func:`score_blocks` reads → how many of the pairs it keeps (by the priors) fall in each
    agreement pattern, and how many of the pairs a hard rule keeps apart (:data:`PATTERNS`, each pattern as
    its :func:`~fdi_extract.reconcile.weights.pattern_code`): what
    :func:`~fdi_extract.reconcile.weights.fit_weights` learns from. A pair met in two blocks (rare: a mention
    naming two investors) counts in each, so that the counts do not depend on how blocks are chunked."""
    candidates: Counter[int] = Counter()
    apart: Counter[int] = Counter()
    for _, _, (_, _, pattern) in _linked(rows, copies_alike, _priors(), apart):
        candidates[pattern_code(pattern)] += 1
    patterns = sorted(candidates.keys() | apart.keys())
    return pa.table(
        {"pattern": patterns, "candidates": [candidates[p] for p in patterns], "apart": [apart[p] for p in patterns]},
        schema=PATTERNS,
    )


_Linked = tuple[MentionFeatures, MentionFeatures, tuple[float, tuple[str, ...], Pattern]]


def _linked(
    rows: pa.Table, copies_alike: bool, weights: MatchWeights, apart: Counter[int] | None = None
) -> Iterator[_Linked]:
    """The pairs of each block of ``rows`` that no hard rule keeps apart, with their score, reasons and pattern;
    the patterns of those a hard rule keeps apart counted into ``apart`` where given."""
    features = distinct_features(rows)
    for block, members in groupby(
        zip(rows.column("block").to_pylist(), rows.column("idx").to_pylist(), strict=True), key=itemgetter(0)
    ):
        pairs = (
            _family_pairs
            if block.startswith(FAMILY_BLOCK)
            else _named_with_unnamed
            if block.startswith(FIGURE_BLOCK)
            else _candidate_pairs
        )
        ordered = sorted((features[idx] for _, idx in members), key=lambda f: f.idx)
        distinct, copies = _copies_apart(ordered, weights) if copies_alike else (ordered, [])
        # Two deals of an earlier run are never joined (clustering.py): their mentions' pairs are not scored,
        # which spares an incremental run most of its pairs.
        fresh = ((a, b) for a, b in pairs(distinct) if not _of_two_earlier_deals(a, b))
        linked = [
            (a, b, found)
            for a, b, found in chain(copies, ((a, b, _scored(a, b, weights, apart)) for a, b in fresh))
            if found
        ]
        yield from _strongest_for_each_unnamed(linked) if block.startswith(FIGURE_BLOCK) else linked


def _scored(
    a: MentionFeatures, b: MentionFeatures, weights: MatchWeights, apart: Counter[int] | None = None
) -> tuple[float, tuple[str, ...], Pattern] | None:
    pattern = levels(a, b)
    if pattern is None:
        if apart is not None and (kept_apart := levels(a, b, vetoes=False)) is not None:
            apart[pattern_code(kept_apart)] += 1
        return None
    return (*weights.score(pattern), pattern)


def _strongest_for_each_unnamed(linked: list[_Linked]) -> list[_Linked]:
    """A figure block's links with, for each report that names no investor, only its strongest
    :data:`UNNAMED_LINKS` to reports of the one company it fits best, and none where another company's report
    fits about as well (within :data:`CLEARLY_STRONGER` bits): a round amount in a region ("$150 million")
    fits hundreds of named reports of a large archive, and which of two companies' plants an unnamed report
    tells of, no figure can say. Keeping links to several companies made such a report a bridge that joins
    their deals into one component (whose clustering then held a large share of the archive) and, in
    clustering, the wrong one's deal."""
    kept, by_unnamed = [], defaultdict(list)
    for a, b, found in linked:
        if bool(a.investors) == bool(b.investors):
            kept.append((a, b, found))
        else:
            by_unnamed[(b if a.investors else a).idx].append((a, b, found))
    for links in by_unnamed.values():
        links.sort(key=lambda link: (-link[2][0], link[0].idx, link[1].idx))
        best = _named_side(links[0])
        same, other = [], []
        for link in links:
            (same if _investor_similarity(best, _named_side(link)) >= SAME_INVESTOR else other).append(link)
        if other and other[0][2][0] > links[0][2][0] - CLEARLY_STRONGER:
            continue  # two companies fit it about as well: it joins neither
        kept += same[:UNNAMED_LINKS]
    return kept


def _named_side(link: tuple[MentionFeatures, MentionFeatures, object]) -> MentionFeatures:
    return link[0] if link[0].investors else link[1]


def _of_two_earlier_deals(a: MentionFeatures, b: MentionFeatures) -> bool:
    return a.carried_id is not None and b.carried_id is not None and a.carried_id != b.carried_id


def _copies_apart(members: list[MentionFeatures], weights: MatchWeights) -> tuple[list[MentionFeatures], list[_Linked]]:
    """A block's mentions (by idx) → those to pair among themselves, and each copy scored with the first
    mention it copies (:meth:`MentionFeatures.compared`). A copy compares with any third as its first does,
    so only the first is paired further: a story reprinted by a thousand outlets costs a thousand pairs, not
    half a million, and its deal keeps one link a copy. A copy that its first does not link (one article)
    is paired as any other mention."""
    first: dict[tuple[object, ...], MentionFeatures] = {}
    distinct, copies = [], []
    for f in members:
        original = first.setdefault(f.compared(), f)
        if original is not f and (found := _scored(original, f, weights)) is not None:
            copies.append((original, f, found))
        else:
            distinct.append(f)
    return distinct, copies
