"""Deal-level scores of mention files on the dev corpus, whole and by the batch each article arrived in.

    .venv/bin/python bench/subsets.py out/bench/direct.dev.mentions.jsonl [more.jsonl ...] [--lenient]

The batches are in tests/gold/dev_batches.json. Scores of a batch taken before anyone read its articles are
the nearest thing to unseen text this project has, so each batch is printed apart. Scoring is strict
(a mention that names no investor pairs only with a gold deal that names none); ``--lenient`` adds the
earlier measure on a second line, labelled.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from fdi_extract.evaluate import evaluate, load_gold, load_mentions

DEV = Path(__file__).resolve().parents[2] / "shared/corpus/dev"
BATCHES = Path(__file__).resolve().parents[1] / "tests/gold/dev_batches.json"


def batches(articles: set[str]) -> dict[str, set[str]]:
    listed = {name: set(ids) for name, ids in json.loads(BATCHES.read_text()).items() if not name.startswith("_")}
    return {"all": articles, **listed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mentions", nargs="+", type=Path)
    parser.add_argument("--gold", type=Path, default=DEV / "gold.jsonl")
    parser.add_argument("--lenient", action="store_true", help="also print the lenient measure, labelled")
    args = parser.parse_args()
    gold, articles = load_gold(args.gold)
    assert articles is not None, "the gold file needs its articles.txt"
    with_deals = {g.article for g in gold}
    for path in args.mentions:
        mentions = load_mentions(path)
        for name, subset in batches(articles).items():
            for strict in (True, False) if args.lenient else (True,):
                report = evaluate(
                    [g for g in gold if g.article in subset],
                    [m for m in mentions if m.article_id in subset],
                    subset,
                    strict=strict,
                )
                negatives = sum(m.article_id in subset - with_deals for m in mentions)
                print(
                    f"{path.name:34s} {name[:26]:26s} {'strict ' if strict else 'lenient'} articles {len(subset):2d}"
                    f"  gold {report.gold:2d}  predicted {report.predicted:2d}  matched {report.matched:2d}"
                    f"  P {report.precision:.2f}  R {report.recall:.2f}  F1 {report.f1:.2f}"
                    f"  amount {report.accuracy('amount') or 0:.2f}  stage {report.accuracy('stage') or 0:.2f}"
                    f"  on no-deal articles {negatives}  figures outside evidence {report.ungrounded_figures}"
                )


if __name__ == "__main__":
    main()
