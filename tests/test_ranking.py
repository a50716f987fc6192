"""The one tokenizer, stemmer and BM25 that every backend's keyword search goes through."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from memory.db.base import Document, keyword_candidates_of
from memory.ranking import bm25, bm25_ceiling
from memory.schema import UserMemory
from memory.text import index_text, query_terms, term

T0 = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("words", "stemmed"),
    [
        (["hiking", "hikes", "hiked", "hike"], "hike"),
        (["skiing", "skis", "skied", "ski"], "ski"),
        (["mountains", "mountain"], "mountain"),
        (["hobbies", "hobby"], "hobbi"),
        (["running", "runs", "run"], "run"),
        (["nationally", "nation", "nations"], "nation"),
        (["Zoë", "zoe", "ZOE"], "zoe"),
    ],
)
def test_forms_of_one_word_meet_at_one_term(words: list[str], stemmed: str) -> None:
    assert {term(w.casefold()) for w in words} == {stemmed}


def test_queries_drop_stop_words_repeats_and_syntax() -> None:
    assert query_terms('What does the user like? "hiking" OR NEAR(hikes)') == [
        "like",
        "hike",
        "near",
    ]
    assert query_terms("who am I") == []


def test_topics_count_half_and_length_counts_every_word() -> None:
    indexed = index_text("The user hikes", ["hiking", "outdoors"])
    assert indexed.frequencies == {"hike": 1.5, "outdoor": 0.5}
    assert indexed.length == 5


def memories(*texts: str, topics: list[str] | None = None) -> list[UserMemory]:
    return [
        UserMemory(
            memory=text,
            topics=topics or [],
            memory_id=f"m{n}",
            updated_at=T0 + timedelta(seconds=n),
        )
        for n, text in enumerate(texts)
    ]


def ranked(query: str, stored: list[UserMemory], *, share: bool = False) -> list[tuple[str, float]]:
    terms = query_terms(query)
    documents = [
        Document(str(m.memory_id), m.memory, m.topics, m.updated_at or T0, n)
        for n, m in enumerate(stored)
    ]
    found = keyword_candidates_of(documents, terms)
    scale = bm25_ceiling(terms, found) if share else 1.0
    return [(found.memory_ids[i], score / scale) for i, score in bm25(terms, found)]


def test_only_memories_holding_a_query_term_are_ranked() -> None:
    found = ranked("hiking", memories("The user hikes", "The user reads"))
    assert [memory_id for memory_id, _ in found] == ["m0"]
    assert found[0][1] > 0


def test_rarer_terms_and_text_over_topics_count_more() -> None:
    stored = [
        *memories("green tea", "black tea"),
        UserMemory(memory="tea", topics=["green"], memory_id="m2", updated_at=T0),
        *[UserMemory(memory="coffee", memory_id=f"c{n}", updated_at=T0) for n in range(4)],
    ]
    assert [memory_id for memory_id, _ in ranked("green tea", stored)] == ["m0", "m2", "m1"]


def test_equal_scores_put_the_more_recently_updated_first() -> None:
    found = ranked("tea", memories("The user likes tea", "The user drinks tea"))
    assert [memory_id for memory_id, _ in found] == ["m1", "m0"]


def test_a_share_of_the_query_stays_below_one_and_drops_for_unmatched_words() -> None:
    stored = memories("Zoë is allergic to kiwi", "Zoë drives a red scooter", "Zoë reads novels")
    [(_, whole)] = ranked("kiwi allergy", stored, share=True)
    [(_, part)] = ranked("kiwi allergy rash", stored, share=True)
    assert 0 < part < whole < 1
