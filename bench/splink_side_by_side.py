"""Splink (Fellegi–Sunter, its m and u probabilities estimated from the archive itself) beside the project's
linker, on the gold mentions and on synthetic archives (issue 23 asks to use it where it holds the bar).

    .venv/bin/pip install splink   # not a dependency of the package: this bench only
    .venv/bin/python bench/splink_side_by_side.py [--sizes 10000,100000]

Each mention becomes one row of the facts the project's linker compares (`MentionFeatures`): the investor's
canonical key and its first word's skeleton, region, sector, log USD amount, log MW, kind of facility, date,
whether it is a total, and its article. The comparisons are declared as levels (one article; investor exact
with a term-frequency adjustment, Jaro-Winkler ≥ 0.92, first word alike; figures within 5% and 35%; dates
within 120 and 730 days), u by random sampling, m by EM on two blocking rules, then clusters at a match
probability. The project's linker runs on the same mentions for the same figures.
"""

from __future__ import annotations

import argparse
import math
import random
import time

import pandas as pd
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from reconcile import GOLDS, PROJECT_WORDS, published_dates, synthetic_records
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from fdi_extract.evaluate import load_gold, load_project_words, mention_from_gold
from fdi_extract.model import DealMention
from fdi_extract.normalize.companies import skeleton
from fdi_extract.reconcile import cluster_scores, reconcile
from fdi_extract.reconcile.features import MentionFeatures


def _rows(mentions: list[DealMention]) -> pd.DataFrame:
    rows = []
    for idx, mention in enumerate(mentions):
        facts = MentionFeatures.of(idx, mention)
        key = facts.investor_keys[0] if facts.investor_keys else None
        first = key.split()[0] if key else None
        mw = next((value for unit, value in facts.capacity if unit == "MW"), None)
        published = facts.published or ""
        rows.append(
            {
                "unique_id": idx,
                "article_id": facts.article_id,
                "investor": key,
                "investor_first": (skeleton(first) or first) if first else None,
                "region": facts.region,
                "sector": facts.sector.value,
                "log_usd": math.log(facts.usd) if facts.usd else None,
                "usd_cell": round(math.log(facts.usd) / 0.2) if facts.usd else None,
                "log_mw": math.log(mw) if mw else None,
                "kind": facts.kinds[0] if facts.kinds else None,
                # A partial date ("2025-05", "2025") as its first day.
                "published": pd.to_datetime(published + "-01-01"[len(published) - 4 :], errors="coerce")
                if published
                else None,
                "aggregate": facts.aggregate,
            }
        )
    return pd.DataFrame(rows)


def _figure(column: str, label: str) -> cl.CustomComparison:
    return cl.CustomComparison(
        comparison_levels=[
            cll.CustomLevel(f"{column}_l IS NULL OR {column}_r IS NULL").configure(is_null_level=True),
            cll.CustomLevel(f"abs({column}_l - {column}_r) < 0.05", f"{label} within 5%"),
            cll.CustomLevel(f"abs({column}_l - {column}_r) < 0.35", f"{label} within 35%"),
            cll.ElseLevel(),
        ],
        output_column_name=column,
    )


def _settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.CustomComparison(
                comparison_levels=[cll.CustomLevel("article_id_l = article_id_r", "one article"), cll.ElseLevel()],
                output_column_name="article",
            ),
            cl.CustomComparison(
                comparison_levels=[
                    cll.CustomLevel("investor_l IS NULL AND investor_r IS NULL", "both unnamed"),
                    cll.CustomLevel("investor_l IS NULL OR investor_r IS NULL", "one unnamed"),
                    cll.ExactMatchLevel("investor").configure(tf_adjustment_column="investor"),
                    cll.JaroWinklerLevel("investor", 0.92),
                    cll.CustomLevel("investor_first_l = investor_first_r", "first word alike"),
                    cll.ElseLevel(),
                ],
                output_column_name="investor",
            ),
            cl.ExactMatch("region"),
            cl.ExactMatch("sector"),
            _figure("log_usd", "amount"),
            _figure("log_mw", "capacity"),
            cl.ExactMatch("kind"),
            cl.AbsoluteDateDifferenceAtThresholds(
                "published", input_is_string=False, metrics=["day", "day"], thresholds=[120, 730]
            ),
            cl.ExactMatch("aggregate"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("investor_first"),
            block_on("region", "usd_cell"),
            block_on("region", "sector", "kind"),
        ],
        retain_matching_columns=False,
    )


def _splink_deals(mentions: list[DealMention], threshold: float) -> list[int]:
    linker = Linker(DuckDBAPI().register(_rows(mentions)), _settings(), log_level=None)
    linker.training.estimate_probability_two_random_records_match([block_on("investor")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("investor_first"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("region", "sector"))
    predictions = linker.inference.predict(threshold_match_probability=0.01)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    ).as_pandas_dataframe()
    cluster_of = dict(zip(clusters.unique_id, clusters.cluster_id, strict=True))
    return [cluster_of[idx] for idx in range(len(mentions))]


def _figures(truth: list[str], found: list[object]) -> str:
    scores = cluster_scores(truth, found)
    p, r = scores.pairwise_precision, scores.pairwise_recall
    return f"pairwise P {p:.3f} R {r:.3f} F1 {2 * p * r / max(p + r, 1e-9):.3f}; B-cubed F1 {scores.bcubed_f1:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000", help="synthetic mentions per archive")
    args = parser.parse_args()
    dates, words = published_dates(), load_project_words(PROJECT_WORDS)
    gold = [g for path, _ in GOLDS for g in load_gold(path)[0]]
    mentions = [mention_from_gold(g, dates.get(g.article), words.get((g.article, g.deal), "")) for g in gold]
    truth = [g.deal for g in gold]
    reconcile(mentions)
    print(f"gold-fed ({len(gold)} mentions), the project's linker: {_figures(truth, [m.deal_id for m in mentions])}")
    for threshold in (0.5, 0.9, 0.99):
        found = _splink_deals(mentions, threshold)
        print(f"gold-fed, Splink at match probability ≥ {threshold}: {_figures(truth, found)}")
    for size in (int(s) for s in args.sizes.split(",")):
        records = list(synthetic_records(size, random.Random(size)))
        truth = [deal for _, deal in records]
        mentions = [DealMention.model_validate(record) for record, _ in records]
        started = time.perf_counter()
        found = _splink_deals(mentions, 0.9)
        print(f"synthetic {size:,}, Splink at ≥ 0.9: {_figures(truth, found)}; {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        reconcile(mentions)
        seconds = time.perf_counter() - started
        found = [m.deal_id for m in mentions]
        print(f"synthetic {size:,}, the project's linker: {_figures(truth, found)}; {seconds:.1f} s")


if __name__ == "__main__":
    main()
