"""The pure-Python BM25 and its stemmer."""

from __future__ import annotations

import pytest

from memory.ranking import bm25_scores, stem


@pytest.mark.parametrize(
    ("words", "stemmed"),
    [
        (["hiking", "hikes", "hiked", "hike"], "hike"),
        (["skiing", "skis", "skied", "ski"], "ski"),
        (["mountains", "mountain"], "mountain"),
        (["hobbies", "hobby"], "hobbi"),
        (["running", "runs", "run"], "run"),
        (["caresses", "caress"], "caress"),
        (["agreed", "agree"], "agree"),
        (["is", "a", "tea"], None),
    ],
)
def test_stem_joins_forms_of_one_word(words: list[str], stemmed: str | None) -> None:
    assert {stem(w) for w in words} == ({stemmed} if stemmed else set(words))


def test_a_document_without_any_query_word_scores_zero() -> None:
    scores = bm25_scores("hiking", [("The user hikes",), ("The user reads",)], (1.0,))
    assert scores[0] > 0
    assert scores[1] == 0


def test_rarer_words_and_heavier_fields_count_more() -> None:
    docs = [("green tea", ""), ("black tea", ""), ("tea", "green"), *[("coffee", "")] * 4]
    scores = bm25_scores("green tea", docs, (1.0, 0.5))
    assert scores[0] > scores[2] > scores[1] > scores[3] == 0


def test_accents_and_query_syntax_are_ignored() -> None:
    [score] = bm25_scores('"zoe" OR NEAR(', [("The user is Zoë",)], (1.0,))
    assert score > 0
    assert bm25_scores("   ", [("The user is Zoë",)], (1.0,)) == [0.0]
    assert bm25_scores("tea", [], (1.0,)) == []
