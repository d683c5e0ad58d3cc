"""Match weights: the comparison levels declared in data/comparisons.toml, and their estimation from an archive."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import pytest

from fdi_extract.cli import main
from fdi_extract.model import Amount, Capacity, DealMention, Investor
from fdi_extract.normalize import canonical_company
from fdi_extract.reconcile import compare
from fdi_extract.reconcile.engines import DuckDBEngine
from fdi_extract.reconcile.features import MentionFeatures
from fdi_extract.reconcile.plan import DealPlan
from fdi_extract.reconcile.scoring import levels
from fdi_extract.reconcile.weights import MatchWeights, comparisons, fit_weights


def _report(article: str, comparison: str, value: str) -> DealMention:
    """A report of one wind farm with ``comparison``'s fact set to ``value`` (an example of the data file)."""
    fields: dict[str, object] = {
        "article_id": article,
        "published": "2025-05-10",
        "project": "",
        "region": "KZ-27",
        "host_country": "KZ",
        "sector": "energy",
        "investors": [Investor(name="Alpha Wind", name_normalized=canonical_company("Alpha Wind"))],
    }
    if comparison == "investor":
        fields["investors"] = [Investor(name=value, name_normalized=canonical_company(value))] if value else []
    elif comparison == "capacity" and value:
        figure, unit = value.split()
        fields["capacity"] = [Capacity(value=float(figure), unit=unit, text=value)]
    elif comparison == "amount" and value:
        fields["amount"] = Amount(value=float(value), currency="USD", text=value, usd=float(value))
    elif comparison in ("region", "district", "sector", "project"):
        fields[comparison] = value or None if comparison != "project" else value
    elif comparison == "date":
        fields["published"] = value or None
    return DealMention.model_validate(fields)


@pytest.mark.parametrize(
    ("k", "index"),
    [(k, index) for k, c in enumerate(comparisons()) for index in range(len(c.levels))],
    ids=[f"{c.name}: {level.name}" for c in comparisons() for level in c.levels],
)
def test_each_declared_level_holds_for_its_example(k: int, index: int) -> None:
    comparison = comparisons()[k]
    first, second = comparison.levels[index].example
    a = MentionFeatures.of(0, _report("a", comparison.name, first))
    b = MentionFeatures.of(1, _report("b", comparison.name, second))
    pattern = levels(a, b, vetoes=False)
    assert pattern is not None
    assert comparison.levels[pattern[k]].name == comparison.levels[index].name


def test_a_link_states_the_weight_of_each_level_behind_it() -> None:
    a, b = _report("a", "capacity", "100 MW"), _report("b", "capacity", "100 MW")
    link = compare(a, b)
    assert link is not None
    assert "capacity agrees +2.00" in link.reasons and "investor same company +3.00" in link.reasons
    assert link.score == pytest.approx(sum(float(reason.rsplit(" ", 1)[1]) for reason in link.reasons))
    # A fact one report does not state weighs nothing and gives no reason.
    assert not any(reason.startswith("district") for reason in link.reasons)


def _mixture(
    m: list[list[float]], u: list[list[float]], share: float, total: float
) -> tuple[dict[tuple[int, ...], int], dict[tuple[int, ...], int]]:
    """Expected pattern counts of ``total`` candidate pairs drawn from a mixture of matches (m, ``share`` of
    them) and non-matches (u), and of as many random pairs (u), over the declared comparisons."""
    candidates, unrelated = {}, {}
    for pattern in itertools.product(*(range(len(c.levels)) for c in comparisons())):
        in_match = math.prod(m[k][level] for k, level in enumerate(pattern))
        in_other = math.prod(u[k][level] for k, level in enumerate(pattern))
        if count := round(total * (share * in_match + (1 - share) * in_other)):
            candidates[pattern] = count
        if count := round(total * in_other):
            unrelated[pattern] = count
    return candidates, unrelated


def test_em_recovers_the_match_share_and_m_from_an_archive_with_a_known_answer() -> None:
    # m and u made up for the test: each comparison's first level is likelier among matches. No null levels
    # here, so every comparison informs each pair.
    shape = comparisons()
    m = [[0.0 if lv.null else 1.0 for lv in c.levels] for c in shape]
    u = [[0.0 if lv.null else 1.0 for lv in c.levels] for c in shape]
    for k in range(len(shape)):
        m[k][0] *= 6
        u[k][-1 if not shape[k].levels[-1].null else -2] *= 3
        m[k] = [x / sum(m[k]) for x in m[k]]
        u[k] = [x / sum(u[k]) for x in u[k]]
    candidates, unrelated = _mixture(m, u, 0.3, 2e8)
    learned = fit_weights(candidates, unrelated)
    assert learned.learned and learned.match_share == pytest.approx(0.3, abs=0.01)
    assert learned.m is not None
    for k, c in enumerate(shape):
        for index, level in enumerate(c.levels):
            if not level.null:
                assert learned.m[k][index] == pytest.approx(m[k][index], abs=0.01), (c.name, level.name)


def test_an_archive_with_too_few_pairs_keeps_the_priors() -> None:
    weights = fit_weights({(0,) * len(comparisons()): 10}, {(0,) * len(comparisons()): 10})
    assert weights == MatchWeights.priors() and not weights.learned


def test_the_reconciled_folder_says_which_weights_scored_its_links(tmp_path: Path) -> None:
    records = tmp_path / "mentions.jsonl"
    records.write_text(
        "".join(_report(f"a{i}", "capacity", "100 MW").model_dump_json() + "\n" for i in range(3)), encoding="utf-8"
    )
    assert main(["reconcile", str(records), "--out", str(tmp_path / "out")]) == 0
    written = json.loads((tmp_path / "out" / "weights.json").read_text(encoding="utf-8"))
    assert written["learned"] is False  # three reports are too few to learn from
    assert {"comparison": "capacity", "level": "agrees", "weight": 2.0} in written["levels"]


def test_an_archive_large_enough_learns_its_weights_when_asked() -> None:
    from tests.test_spark import _archive

    learned = DealPlan.of_mentions(_archive(), engine=DuckDBEngine(learn_weights=True)).weights
    assert learned.learned and learned.pairs >= 2_000 and 0 < (learned.match_share or 0) <= 1
    assert DealPlan.of_mentions(_archive()).weights == MatchWeights.priors()  # the default
    same_company = learned.table()[0]
    assert same_company["level"] == "same company" and same_company["weight"] > 0
