"""How close a clustering of mentions is to the true one: pairwise and B-cubed precision and recall."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass


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
