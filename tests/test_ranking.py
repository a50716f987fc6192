"""The one tokenizer, stemmer and BM25 that every backend's keyword search goes through."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from memory.db.base import Document, KeywordCandidates, keyword_candidates_of
from memory.ranking import bm25, bm25_ceiling, dated_share
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


def test_a_date_is_worth_what_its_words_are_worth() -> None:
    """Dated: as a memory holding each of the date's words once, at average length."""
    stored = memories("Mia painted a lake", "Mia painted a horse", "Mia read in 2023")
    documents = [
        Document(str(m.memory_id), m.memory, m.topics, T0, n) for n, m in enumerate(stored)
    ]
    terms = query_terms("What did Mia paint in July 2023?")
    found = keyword_candidates_of(documents, terms)
    date = dated_share(["juli", "2023"], terms, found)
    ceiling = bm25_ceiling(terms, found)
    rare, common = math.log(3.5 / 0.5), math.log(2.5 / 1.5)
    assert date == pytest.approx((rare + common) / ceiling)
    assert 0 < dated_share(["2023"], terms, found) < dated_share(["juli"], terms, found) < date


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


def _candidates(
    documents: int, total_length: int, lengths: list[float], frequencies: list[float]
) -> KeywordCandidates:
    return KeywordCandidates(
        documents=documents,
        total_length=total_length,
        memory_ids=[f"m{i}" for i in range(len(lengths))],
        recency=np.arange(len(lengths), dtype=np.int64),
        lengths=np.array(lengths, dtype=np.float64),
        frequencies={"tea": np.array(frequencies, dtype=np.float64)},
    )


@pytest.mark.parametrize(
    ("documents", "total_length", "lengths", "frequencies"),
    [
        (0, 0, [3.0, 4.0], [1.0, 2.0]),  # no memories counted, candidates found
        (1, 3, [3.0, 4.0, 5.0], [1.0, 1.0, 1.0]),  # fewer memories than candidates
        (-2, -10, [3.0], [1.0]),  # a count gone below zero
        (5, 0, [0.0, 0.0], [1.0, 1.0]),  # empty memories
        (3, 10, [-1.0, 4.0], [-1.0, 2.0]),  # nonsense from a broken backend
        (2**62, 2**62, [1.0], [1.0]),  # huge
    ],
)
def test_ranking_is_defined_for_any_statistics(
    documents: int, total_length: int, lengths: list[float], frequencies: list[float]
) -> None:
    """Statistics read apart from their candidates may disagree with them; ranking must
    still rank (a write between two reads made `log` of a negative number raise)."""
    found = _candidates(documents, total_length, lengths, frequencies)
    ranked = bm25(["tea"], found)
    ceiling = bm25_ceiling(["tea", "green"], found)
    assert ranked
    assert all(math.isfinite(score) and score > 0 for _, score in ranked)
    assert math.isfinite(ceiling)
    assert ceiling > max(score for _, score in ranked)


def test_ranking_agrees_with_itself_when_statistics_agree() -> None:
    """The guard changes nothing when statistics and candidates agree."""
    found = _candidates(10, 40, [3.0, 4.0], [1.0, 2.0])
    [(first, high), (second, low)] = bm25(["tea"], found)
    assert (first, second) == (1, 0)
    assert high > low
