"""Every cue of the language tables matches the sentences it claims and misses the ones it must."""

from __future__ import annotations

import pytest

from fdi_extract.cues import LANGUAGES, cue, entries, stage_cue, stage_words
from fdi_extract.model import Stage


@pytest.mark.parametrize("entry", entries(), ids=lambda e: f"{e.language}:{e.name}")
def test_each_cue_matches_its_examples_and_misses_its_counterexamples(entry):
    assert entry.match, f"{entry.language}:{entry.name} has no example it must match"
    assert entry.miss, f"{entry.language}:{entry.name} has no example it must not match"
    combined = cue(entry.name)
    for sentence in entry.match:
        assert combined.search(sentence), f"{entry.language}:{entry.name} misses {sentence!r}"
    for sentence in entry.miss:
        assert not combined.search(sentence), f"{entry.language}:{entry.name} wrongly matches {sentence!r}"


@pytest.mark.parametrize(
    "entry", [e for e in entries() if e.name.startswith("stage.")], ids=lambda e: f"{e.language}:{e.name}"
)
def test_each_stage_cue_holds_its_examples_matched_from_a_word_start(entry):
    words = stage_words(Stage(entry.name.removeprefix("stage.")))
    assert all(words.search(sentence) for sentence in entry.match)
    assert not any(words.search(sentence) for sentence in entry.miss)


def test_a_stage_word_inside_a_longer_word_states_no_stage():
    assert stage_cue("The subcontractor delivered the cables on time.") is None
    assert stage_cue("The contractor signed a contract for the cables.") == (Stage.agreement, "contract")


def test_every_language_has_the_same_cues():
    names = {language: {e.name for e in entries() if e.language == language} for language in LANGUAGES}
    assert names["ru"] == names["en"] == names["kk"]


def test_an_unknown_cue_is_an_error_naming_it():
    with pytest.raises(KeyError, match="no_such_cue"):
        cue("no_such_cue")
