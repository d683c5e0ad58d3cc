"""Score predicted mentions against a gold file in shared/GOLD_FORMAT.md's format.

Deal level: within each article, gold and predicted mentions are paired one-to-one, best pairs
first. Scoring is strict by default: a pair is admissible when the investors are the same company
(after transliteration and legal-form folding), or — when *neither* side names an investor — when
the region agrees and so does the amount or a capacity (or, for a gold deal with neither, the
sector), or both are aggregates with the same amount. A mention reported as "(not named)" for a deal
whose company the article names is a miss, as an analyst reading it would count it.

``strict=False`` is the earlier, lenient measure, kept only to be printed beside the strict one with
its label: it also pairs a mention that names no investor with a named gold deal (and the reverse)
when region and a figure agree. Field accuracy is measured on the pairs.

Greedy pairing by score rather than an optimal assignment: per article there are a handful of
mentions, ties are rare, and the greedy choice is the one a reader checking by hand would make.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, Field

from fdi_extract.model import Amount, Article, Capacity, DealMention, Investor
from fdi_extract.normalize.companies import canonical_company, same_company
from fdi_extract.normalize.fx import to_usd
from fdi_extract.records import parse_lines, parse_records

FIELDS = ("amount", "region", "stage", "investor_country", "capacity", "jobs", "aggregate", "sector")


class GoldAmount(BaseModel):
    value: float
    currency: str | None = None
    qualifier: str = "exact"


class GoldCapacity(BaseModel):
    value: float
    unit: str


class GoldMention(BaseModel):
    article: str
    deal: str
    investors: list[str] = Field(default_factory=list)
    investor_country: str | None = None
    host_country: str | None = None
    region: str | None = None
    sector: str | None = None
    amount: GoldAmount | None = None
    capacity: list[GoldCapacity] = Field(default_factory=list)
    jobs: int | None = None
    stage: str | None = None
    aggregate: bool = False


@dataclass
class EvalReport:
    articles: int
    gold: int
    predicted: int
    matched: int
    field_correct: dict[str, int]
    ungrounded_figures: int
    missed: list[GoldMention] = field(default_factory=list)
    spurious: list[DealMention] = field(default_factory=list)
    pairs: list[tuple[GoldMention, DealMention]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def accuracy(self, name: str) -> float | None:
        return self.field_correct[name] / self.matched if self.matched else None

    def as_dict(self) -> dict[str, object]:
        return {
            "articles": self.articles,
            "gold": self.gold,
            "predicted": self.predicted,
            "matched": self.matched,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "field_accuracy": {
                name: (round(a, 4) if (a := self.accuracy(name)) is not None else None) for name in FIELDS
            },
            "ungrounded_figures": self.ungrounded_figures,
        }


def _close(a: float, b: float, tolerance: float = 0.005) -> bool:
    return abs(a - b) <= tolerance * max(abs(a), abs(b), 1.0)


def _amount_equal(gold: GoldMention, predicted: DealMention) -> bool:
    if gold.amount is None or predicted.amount is None:
        return gold.amount is None and predicted.amount is None
    return gold.amount.currency == predicted.amount.currency and _close(gold.amount.value, predicted.amount.value)


def _capacity_overlap(gold: GoldMention, predicted: DealMention) -> bool:
    return any(g.unit == p.unit.value and _close(g.value, p.value) for g in gold.capacity for p in predicted.capacity)


def _capacity_equal(gold: GoldMention, predicted: DealMention) -> bool:
    def key(unit: str, value: float) -> tuple[str, float]:
        return unit, round(value, 3)

    return {key(g.unit, g.value) for g in gold.capacity} == {key(p.unit.value, p.value) for p in predicted.capacity}


def _investors_match(gold: GoldMention, predicted: DealMention) -> bool:
    return any(same_company(g, p.name) for g in gold.investors for p in predicted.investors)


def _pair_score(gold: GoldMention, predicted: DealMention, strict: bool = True) -> float | None:
    """How well two mentions agree, or None when they cannot be the same deal."""
    investors = _investors_match(gold, predicted)
    amount = gold.amount is not None and _amount_equal(gold, predicted)
    capacity = _capacity_overlap(gold, predicted)
    region = gold.region == predicted.region
    figures = region and (
        amount or capacity or (gold.amount is None and not gold.capacity and gold.sector == predicted.sector)
    )
    same_total = gold.aggregate and predicted.aggregate and amount
    if strict:
        admissible = investors or (not gold.investors and not predicted.investors and (figures or same_total))
    else:
        admissible = investors or ((not gold.investors or not predicted.investors) and figures) or same_total
    if not admissible:
        return None
    return (
        4.0 * investors
        + 2.0 * amount
        + 1.0 * capacity
        + 1.0 * (gold.aggregate == predicted.aggregate)
        + 0.5 * (gold.sector == predicted.sector)
        + 0.5 * (gold.stage == predicted.stage.value)
        + 0.5 * region
    )


def _field_correct(name: str, gold: GoldMention, predicted: DealMention) -> bool:
    match name:
        case "amount":
            return _amount_equal(gold, predicted)
        case "region":
            return gold.region == predicted.region
        case "stage":
            return gold.stage == predicted.stage.value
        case "investor_country":
            country = predicted.investor_country or next((i.country for i in predicted.investors if i.country), None)
            return gold.investor_country == country
        case "capacity":
            return _capacity_equal(gold, predicted)
        case "jobs":
            return gold.jobs == predicted.jobs
        case "aggregate":
            return gold.aggregate == predicted.aggregate
        case "sector":
            return gold.sector == predicted.sector.value
    raise ValueError(name)


def _ungrounded(predicted: DealMention) -> int:
    """Figures whose verbatim text is not among the mention's evidence quotes."""
    quotes = [e.quote for e in predicted.evidence]
    figures = ([predicted.amount.text] if predicted.amount else []) + [c.text for c in predicted.capacity]
    return sum(not any(text in quote for quote in quotes) for text in figures)


def evaluate(
    gold: list[GoldMention], predicted: list[DealMention], articles: set[str] | None = None, *, strict: bool = True
) -> EvalReport:
    """Deal-level precision/recall/F1 and field accuracy of ``predicted`` against ``gold``.

    ``articles`` is the set of article ids the gold covers (its articles.txt); predictions for
    other articles are ignored, and a prediction for a covered article with no gold deal counts
    as a false positive. Without it, the articles that appear in the gold are the universe.
    ``strict`` (the default) pairs a mention naming no investor only with a gold deal naming none.
    """
    universe = articles if articles is not None else {g.article for g in gold}
    gold_by_article: dict[str, list[GoldMention]] = defaultdict(list)
    predicted_by_article: dict[str, list[DealMention]] = defaultdict(list)
    for g in gold:
        gold_by_article[g.article].append(g)
    for p in predicted:
        if p.article_id in universe:
            predicted_by_article[p.article_id].append(p)
    report = EvalReport(
        articles=len(universe),
        gold=sum(len(v) for k, v in gold_by_article.items() if k in universe),
        predicted=sum(len(v) for v in predicted_by_article.values()),
        matched=0,
        field_correct=dict.fromkeys(FIELDS, 0),
        ungrounded_figures=sum(_ungrounded(p) for v in predicted_by_article.values() for p in v),
    )
    for article in sorted(universe):
        golds, preds = gold_by_article.get(article, []), predicted_by_article.get(article, [])
        candidates = sorted(
            (
                (score, gi, pi)
                for gi, g in enumerate(golds)
                for pi, p in enumerate(preds)
                if (score := _pair_score(g, p, strict)) is not None
            ),
            key=lambda c: -c[0],
        )
        used_gold: set[int] = set()
        used_pred: set[int] = set()
        for _, gi, pi in candidates:
            if gi in used_gold or pi in used_pred:
                continue
            used_gold.add(gi)
            used_pred.add(pi)
            report.matched += 1
            report.pairs.append((golds[gi], preds[pi]))
            for name in FIELDS:
                report.field_correct[name] += _field_correct(name, golds[gi], preds[pi])
        report.missed += [g for gi, g in enumerate(golds) if gi not in used_gold]
        report.spurious += [p for pi, p in enumerate(preds) if pi not in used_pred]
    return report


def mention_from_gold(gold: GoldMention, published: str | None = None, project: str = "") -> DealMention:
    """A gold line as a mention record (USD filled in at the article's date), to feed reconciliation alone.
    Gold lines carry no words; ``project`` gives one the words its article names the project with."""
    amount = None
    if gold.amount is not None:
        money = Amount(value=gold.amount.value, currency=gold.amount.currency, qualifier=gold.amount.qualifier, text="")
        on = Article(text="", article_id=gold.article, published=published).published_date
        converted = to_usd(money, on)
        amount = money.model_copy(update={"usd": converted.usd, "usd_note": converted.note})
    return DealMention(
        article_id=gold.article,
        published=published,
        project=project,
        host_country=gold.host_country,
        region=gold.region,
        sector=gold.sector or "other",
        stage=gold.stage or "announced",
        jobs=gold.jobs,
        aggregate=gold.aggregate,
        amount=amount,
        investor_country=gold.investor_country,
        investors=[
            Investor(name=n, name_normalized=canonical_company(n), country=gold.investor_country)
            for n in gold.investors
        ],
        capacity=[Capacity(value=c.value, unit=c.unit, text="") for c in gold.capacity],
    )


def load_project_words(path: Path) -> dict[tuple[str, str], str]:
    """(article, gold deal) → the words the article names that project with: for deals of one article whose
    gold lines are otherwise identical (a file of {"article", "deal", "project"} lines)."""
    lines = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return {(line["article"], line["deal"]): line["project"] for line in lines}


def load_gold(path: Path) -> tuple[list[GoldMention], set[str] | None]:
    """A gold file and, when it has one beside it, the set of article ids it covers. A line that is no gold
    deal is an :class:`~fdi_extract.errors.InputError` naming the file and line."""
    gold = list(parse_lines(GoldMention, "gold", path, path.read_text(encoding="utf-8").splitlines()))
    for listing in (path.with_name(f"{path.stem}.articles.txt"), path.with_name("articles.txt")):
        if listing.is_file():
            return gold, {line.strip() for line in listing.read_text(encoding="utf-8").splitlines() if line.strip()}
    return gold, None


def load_mentions(path: Path, skipped: Callable[[str], None] | None = None) -> list[DealMention]:
    """The mention records of a JSONL file. A line that is no mention record is reported to ``skipped``
    as "FILE:LINE: problem" and left out, as ``run`` does with a bad article record; without ``skipped``
    it is an :class:`~fdi_extract.errors.InputError`."""
    return list(iter_mentions(path, skipped))


def iter_mentions(path: Path, skipped: Callable[[str], None] | None = None) -> Iterator[DealMention]:
    """:func:`load_mentions`, one record at a time, for files larger than memory."""
    with path.open("rb") as lines:
        yield from parse_records(path, lines, skipped=skipped)
