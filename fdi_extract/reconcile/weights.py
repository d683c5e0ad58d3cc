"""Match weights of the comparison levels: declared as data, estimated from the archive itself.

The comparisons and their levels are declared in ``fdi_extract/data/comparisons.toml``; scoring
(:mod:`.scoring`) puts each pair of reports in one level of each. As in Fellegi–Sunter linkage (and Splink),
a level weighs log2(m/u) bits, m being how often two reports of one deal fall in it and u how often two
reports of different deals do; a pair's score is the sum. Nobody labelled the archive, so
:func:`fit_weights` estimates them from it, from the pairs of a sample of its blocks (so that learning costs
a fraction of scoring):

- u from the pairs of those blocks that a hard rule keeps apart (two companies, two regions, a figure that
  disagrees, years apart): surely two deals, and alike enough to share a block, as the candidates' own
  non-matches are. Splink takes u from random pairs instead; tried here, a random pair is so unlike any
  candidate (one in 1,400 names the same company) that EM called every candidate a match and the weights
  said how rare a level is, not how well it tells one deal from two (docs/evaluation.md);
- m and λ (the share of candidates that are one deal) by expectation–maximisation over the candidate pairs,
  those blocking and the hard rules let through, with u held.

Hand-set priors (the file's ``prior``) stand where the archive is too small to learn from: a few hundred
mentions give too few pairs (Splink, tried on the gold mentions, says the same: docs/evaluation.md).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files

# An archive whose sampled candidate pairs are fewer than this keeps the priors.
MIN_PAIRS_TO_LEARN = 2_000
_ITERATIONS = 200
_CONVERGED = 1e-7
_PSEUDO_COUNT = 0.5  # added to every level's count, so that a level never seen weighs a finite amount


@dataclass(frozen=True)
class Level:
    name: str
    prior: float
    null: bool
    example: tuple[str, str]


@dataclass(frozen=True)
class Comparison:
    name: str
    levels: tuple[Level, ...]

    def level(self, name: str) -> int:
        """The index of the level called ``name`` (a typo in scoring fails at import, not on a pair)."""
        for index, level in enumerate(self.levels):
            if level.name == name:
                return index
        raise KeyError(f"comparison {self.name!r} has no level {name!r}")


@cache
def comparisons() -> tuple[Comparison, ...]:
    """The comparisons declared in ``data/comparisons.toml``, in order."""
    table = tomllib.loads(files("fdi_extract.data").joinpath("comparisons.toml").read_text(encoding="utf-8"))
    return tuple(
        Comparison(
            name=c["name"],
            levels=tuple(
                Level(
                    name=level["name"],
                    prior=float(level["prior"]),
                    null=bool(level.get("null", False)),
                    example=tuple(level["example"]),
                )
                for level in c["levels"]
            ),
        )
        for c in table["comparison"]
    )


Pattern = tuple[int, ...]  # a candidate pair's level in each comparison


@cache  # millions of pairs, a few hundred patterns
def pattern_code(pattern: Pattern) -> int:
    """A pattern as one number (its levels as the digits of a mixed-radix number), the form pairs carry
    through the engines' tables: millions of pairs, a few hundred patterns."""
    code = 0
    for comparison, level in zip(comparisons(), pattern, strict=True):
        code = code * len(comparison.levels) + level
    return code


def pattern_of(code: int) -> Pattern:
    """:func:`pattern_code` undone."""
    levels = []
    for comparison in reversed(comparisons()):
        code, level = divmod(code, len(comparison.levels))
        levels.append(level)
    return tuple(reversed(levels))


@dataclass(frozen=True)
class MatchWeights:
    """A weight in bits for each level of each comparison (0 for a null level), and how it was made.

    ``learned``: estimated from ``pairs`` candidate pairs (else the priors); ``m`` and ``u`` the estimated
    probabilities of each level among pairs of one deal and of two; ``match_share``: λ."""

    weights: tuple[tuple[float, ...], ...]
    learned: bool = False
    pairs: int = 0
    match_share: float | None = None
    m: tuple[tuple[float, ...], ...] | None = None
    u: tuple[tuple[float, ...], ...] | None = None
    _scored: dict[Pattern, tuple[float, tuple[str, ...]]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def priors(cls) -> MatchWeights:
        return cls(tuple(tuple(0.0 if lv.null else lv.prior for lv in c.levels) for c in comparisons()))

    def score(self, pattern: Pattern) -> tuple[float, tuple[str, ...]]:
        """A pair's score (the sum of its levels' weights) and its reasons, a line per comparison it was
        compared on: "capacity agrees +2.00"."""
        # An archive's pairs fall in a few hundred patterns: each pattern's reasons are built once.
        found = self._scored.get(pattern)
        if found is None:
            reasons = tuple(
                f"{c.name} {c.levels[level].name} {self.weights[k][level]:+.2f}"
                for k, (c, level) in enumerate(zip(comparisons(), pattern, strict=True))
                if not c.levels[level].null
            )
            found = self._scored[pattern] = (
                sum(w[level] for w, level in zip(self.weights, pattern, strict=True)),
                reasons,
            )
        return found

    def summary(self) -> dict[str, object]:
        """How the weights were made and each level's: what ``weights.json`` of a reconciled folder holds."""
        return {
            "learned": self.learned,
            "pairs": self.pairs,
            "match_share": self.match_share,
            "levels": self.table(),
        }

    def table(self) -> list[dict[str, object]]:
        """A row per level: comparison, level, weight, and m and u where learned (for logs and docs)."""
        rows = []
        for k, c in enumerate(comparisons()):
            for index, level in enumerate(c.levels):
                row: dict[str, object] = {"comparison": c.name, "level": level.name, "weight": self.weights[k][index]}
                if self.m is not None and self.u is not None and not level.null:
                    row |= {"m": self.m[k][index], "u": self.u[k][index]}
                rows.append(row)
        return rows


def fit_weights(
    candidates: Mapping[Pattern, int], non_matches: Mapping[Pattern, int], *, min_pairs: int = MIN_PAIRS_TO_LEARN
) -> MatchWeights:
    """Weights from the number of pairs in each agreement pattern: ``candidates``, the pairs blocking and the
    hard rules let through, and ``non_matches``, pairs known to be two deals. The priors where either holds
    fewer than ``min_pairs`` pairs.

    As Splink does with its random pairs, u (each level's share among ``non_matches``) is held; m and λ are
    estimated by EM over the candidate pairs, starting from m at u scaled by 2**prior and λ one
    half. A null level is left out of both likelihoods (a fact one report does not state says nothing either
    way), and so is a level no candidate falls in (a hard rule rules it out: "date further apart"), so that
    u is the non-matches' share among the levels a candidate can have; such a level weighs 0."""
    total = sum(candidates.values())
    if total < min_pairs or sum(non_matches.values()) < min_pairs:
        return MatchWeights.priors()
    shape = comparisons()
    counted = [
        [not lv.null and any(p[k] == index for p in candidates) for index, lv in enumerate(c.levels)]
        for k, c in enumerate(shape)
    ]
    other_patterns = sorted(non_matches)
    other_counts = [non_matches[p] for p in other_patterns]
    u = [
        _level_shares(other_patterns, other_counts, [1.0] * len(other_counts), k, counted[k]) for k in range(len(shape))
    ]
    patterns = sorted(candidates)
    n = [candidates[p] for p in patterns]
    m = [
        _normalised([x * 2**lv.prior for x, lv in zip(u[k], c.levels, strict=True)], counted[k])
        for k, c in enumerate(shape)
    ]
    share = 0.5
    for _ in range(_ITERATIONS):
        posterior = [_match_probability(p, m, u, share) for p in patterns]
        new_share = min(max(sum(x * post for x, post in zip(n, posterior, strict=True)) / total, 1e-6), 1 - 1e-6)
        new_m = [_level_shares(patterns, n, posterior, k, counted[k]) for k in range(len(shape))]
        change = max(
            abs(new_share - share),
            *(abs(a - b) for x, y in zip(m, new_m, strict=True) for a, b in zip(x, y, strict=True)),
        )
        m, share = new_m, new_share
        if change < _CONVERGED:
            break
    weights = tuple(
        tuple(math.log2(m[k][index] / u[k][index]) if counted[k][index] else 0.0 for index in range(len(c.levels)))
        for k, c in enumerate(shape)
    )
    return MatchWeights(
        weights, learned=True, pairs=total, match_share=share, m=tuple(map(tuple, m)), u=tuple(map(tuple, u))
    )


def _level_shares(
    patterns: list[Pattern], counts: list[int], belief: list[float], k: int, counted: list[bool]
) -> list[float]:
    """The share of comparison ``k``'s ``counted`` levels among the pairs, each pair counted by ``belief``
    (that it is one deal, or two)."""
    found = [_PSEUDO_COUNT] * len(counted)
    for pattern, count, weight in zip(patterns, counts, belief, strict=True):
        found[pattern[k]] += count * weight
    return _normalised(found, counted)


def _normalised(values: list[float], counted: list[bool]) -> list[float]:
    """Probabilities over the ``counted`` levels (another level's is 0; all are where none is counted)."""
    kept = [v if keep else 0.0 for v, keep in zip(values, counted, strict=True)]
    total = sum(kept)
    return [v / total for v in kept] if total else kept


def _match_probability(pattern: Pattern, m: list[list[float]], u: list[list[float]], share: float) -> float:
    log_ratio = math.log(share / (1 - share))
    for k, level in enumerate(pattern):
        if m[k][level] > 0:
            log_ratio += math.log(m[k][level] / u[k][level])
    return 1 / (1 + math.exp(-log_ratio)) if log_ratio > -700 else 0.0
