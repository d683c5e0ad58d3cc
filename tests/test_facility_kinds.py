"""The facility-kind table: every kind matches its example phrases and none of its counter-examples."""

from __future__ import annotations

import pytest

from fdi_extract.normalize.facilities import facility_kinds, facility_patterns

EXAMPLES = [
    (kind, phrase, expected)
    for kind, (_, match, miss) in facility_patterns().items()
    for phrases, expected in ((match, True), (miss, False))
    for phrase in phrases
]


@pytest.mark.parametrize(("kind", "phrase", "expected"), EXAMPLES)
def test_each_kind_matches_its_examples_and_not_its_counter_examples(kind: str, phrase: str, expected: bool) -> None:
    assert (kind in facility_kinds(phrase)) is expected


def test_a_bare_plant_is_no_kind() -> None:
    assert facility_kinds("the company will build a plant") == frozenset()
    assert facility_kinds("компания построит завод") == frozenset()
