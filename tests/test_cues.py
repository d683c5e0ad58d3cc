"""Every cue of the language tables matches the sentences it claims and misses the ones it must."""

from __future__ import annotations

import pytest

from fdi_extract.cues import LANGUAGES, cue, entries


@pytest.mark.parametrize("entry", entries(), ids=lambda e: f"{e.language}:{e.name}")
def test_each_cue_matches_its_examples_and_misses_its_counterexamples(entry):
    assert entry.match, f"{entry.language}:{entry.name} has no example it must match"
    assert entry.miss, f"{entry.language}:{entry.name} has no example it must not match"
    combined = cue(entry.name)
    for sentence in entry.match:
        assert combined.search(sentence), f"{entry.language}:{entry.name} misses {sentence!r}"
    for sentence in entry.miss:
        assert not combined.search(sentence), f"{entry.language}:{entry.name} wrongly matches {sentence!r}"


def test_every_language_has_the_same_cues():
    names = {language: {e.name for e in entries() if e.language == language} for language in LANGUAGES}
    assert names["ru"] == names["en"] == names["kk"]


def test_an_unknown_cue_is_an_error_naming_it():
    with pytest.raises(KeyError, match="no_such_cue"):
        cue("no_such_cue")
