"""Deal-level scores of mention files on the dev corpus, whole and split at an article id.

    .venv/bin/python bench/subsets.py out/bench/guided.dev.mentions.jsonl [more.jsonl ...] [--new-from 051]

The dev corpus grew from 14 to 30 articles (051 and later are the 16 added with issue 12); scores of the
articles added later are the nearest thing to unseen text this project has, so they are printed apart.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fdi_extract.evaluate import evaluate, load_gold, load_mentions

DEV = Path(__file__).resolve().parents[2] / "shared/corpus/dev"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mentions", nargs="+", type=Path)
    parser.add_argument("--gold", type=Path, default=DEV / "gold.jsonl")
    parser.add_argument("--new-from", default="051", help="article ids from this one on are the later ones")
    args = parser.parse_args()
    gold, articles = load_gold(args.gold)
    assert articles is not None, "the gold file needs its articles.txt"
    with_deals = {g.article for g in gold}
    later = {a for a in articles if a >= args.new_from}
    for path in args.mentions:
        mentions = load_mentions(path)
        for name, subset in (("all", articles), (f"before {args.new_from}", articles - later), (f"{args.new_from}+", later)):
            report = evaluate([g for g in gold if g.article in subset], [m for m in mentions if m.article_id in subset], subset)
            negatives = sum(m.article_id in subset - with_deals for m in mentions)
            print(f"{path.name:34s} {name:11s} articles {len(subset):2d}  gold {report.gold:2d}  predicted "
                  f"{report.predicted:2d}  matched {report.matched:2d}  P {report.precision:.2f}  R {report.recall:.2f}  "
                  f"F1 {report.f1:.2f}  amount {report.accuracy('amount') or 0:.2f}  stage {report.accuracy('stage') or 0:.2f}  "
                  f"on no-deal articles {negatives}  figures outside evidence {report.ungrounded_figures}")


if __name__ == "__main__":
    main()
