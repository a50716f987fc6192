"""Hybrid ranking rules: calibrated fusion, and facts on one subject ordered by time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from memory.db.base import UserVectors
from memory.db.vectors import normalised
from memory.ranking import (
    EQUAL_SCORE,
    KEYWORD_WEIGHT,
    MAX_SCORE_GAP,
    AskedTime,
    Ranked,
    Spread,
    asked_time,
    fuse,
    nearest,
    prefer_by_time,
    word_similarities,
)
from memory.schema import UserMemory

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def memory(name: str, at: datetime = T0, text: str | None = None) -> UserMemory:
    return UserMemory(memory=text or name, memory_id=name, updated_at=at)


def names(ranked: Ranked) -> list[str]:
    return [str(m.memory_id) for m, _ in ranked]


SPREAD = Spread(mean=0.80, std=0.03)


def test_a_rare_word_match_wins_when_no_meaning_stands_out() -> None:
    """Cosines within a standard deviation of each other say little; a matched name does."""
    named, close, other = memory("named"), memory("close"), memory("other")
    semantic = [(close, 0.84), (named, 0.83), (other, 0.82)]
    fused = fuse([(named, 0.8)], semantic, SPREAD)
    assert names(fused) == ["named", "close", "other"]


def test_a_weak_word_match_does_not_bury_a_meaning_that_stands_out() -> None:
    """A paraphrase: the answer shares no word, another memory shares a common one."""
    answer, wordy, other = memory("answer"), memory("wordy"), memory("other")
    semantic = [(answer, 0.92), (wordy, 0.81), (other, 0.80)]
    fused = fuse([(wordy, 0.15)], semantic, SPREAD)
    assert names(fused)[0] == "answer"


def test_scores_add_a_cosine_z_score_and_the_weighted_keyword_share() -> None:
    both, only_keyword = memory("both"), memory("only_keyword")
    fused = dict(
        (str(m.memory_id), s)
        for m, s in fuse([(both, 0.5), (only_keyword, 0.25)], [(both, 0.86)], SPREAD)
    )
    assert fused["both"] == pytest.approx(2.0 + KEYWORD_WEIGHT * 0.5)
    # Not among the semantic results: at most the lowest cosine among them.
    assert fused["only_keyword"] == pytest.approx(2.0 + KEYWORD_WEIGHT * 0.25)


def test_a_memory_found_by_meaning_keeps_its_share_past_the_keyword_candidates() -> None:
    """Keyword candidates are cut at the best few; `shares` holds every match's share."""
    close, matching = memory("close"), memory("matching")
    semantic = [(close, 0.86), (matching, 0.83)]
    assert names(fuse([], semantic, SPREAD)) == ["close", "matching"]
    fused = fuse([], semantic, SPREAD, shares={"matching": 0.3, "unseen": 0.9})
    assert names(fused) == ["matching", "close"]
    assert fused[0][1] == pytest.approx(1.0 + KEYWORD_WEIGHT * 0.3)


scores = st.lists(st.integers(1, 100), min_size=1, max_size=8, unique=True).map(
    lambda hundredths: [n / 100 for n in hundredths]
)
"""Distinct scores, far enough apart that no sum of them ties."""


@given(keyword=scores, cosines=scores)
def test_fusion_keeps_what_both_rankings_agree_on(
    keyword: list[float], cosines: list[float]
) -> None:
    """Every memory found is kept, and one first in both rankings is first fused."""
    found = [memory(f"m{n}", T0 + timedelta(hours=n)) for n in range(8)]
    by_keyword = sorted(zip(found, keyword, strict=False), key=lambda pair: -pair[1])
    by_meaning = sorted(zip(found, cosines, strict=False), key=lambda pair: -pair[1])
    fused = fuse(by_keyword, by_meaning, Spread(0.5, 0.2))
    assert set(names(fused)) == set(names(by_keyword)) | set(names(by_meaning))
    if by_keyword[0][0] is by_meaning[0][0]:
        assert fused[0][0] is by_keyword[0][0]


@given(keyword=scores)
def test_one_ranking_alone_keeps_its_order(keyword: list[float]) -> None:
    found = [memory(f"m{n}", T0 + timedelta(hours=n)) for n in range(len(keyword))]
    alone = sorted(
        zip(found, keyword, strict=True), key=lambda pair: (-pair[1], -found.index(pair[0]))
    )
    assert names(fuse(alone, [], None)) == names(alone)
    assert names(fuse([], alone, Spread(0.5, 0.2))) == names(alone)


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("Where does she work now?", "now"),
        ("Is he still vegan?", "now"),
        ("What car does she drive these days?", "now"),
        ("Where did she live before Leith?", "before"),
        ("What was his first car?", "before"),
        ("What did I say I drank previously?", "before"),
        ("When did he sell the boat?", "when"),
        ("What does she drink?", "any"),
        ("What did she drive before, and what now?", "now"),
    ],
)
def test_questions_say_which_time_they_ask_about(question: str, asked: AskedTime) -> None:
    assert asked_time(question) == asked


LATER = T0 + timedelta(days=200)
TRUCK = memory("truck", T0, "Ava drives a blue Ford truck")
OTHERS = [
    memory(name, T0 + timedelta(days=n), text)
    for n, (name, text) in enumerate(
        [("poetry", "Ava reads poetry at night"), ("tomatoes", "Ava grows tomatoes")]
    )
]
BIKE = memory("bike", LATER, "Ava traded the blue Ford truck for a bike")


def ranking(*pairs: tuple[UserMemory, float]) -> Ranked:
    return list(pairs)


def test_asked_about_now_the_newer_fact_on_the_subject_moves_first() -> None:
    ranked = ranking((TRUCK, 3.0), (OTHERS[0], 2.5), (OTHERS[1], 2.0), (BIKE, 1.0))
    assert names(prefer_by_time(ranked, word_similarities, "now")) == [
        "bike",
        "truck",
        "poetry",
        "tomatoes",
    ]


def test_asked_about_before_the_older_fact_moves_first() -> None:
    ranked = ranking((BIKE, 3.0), (OTHERS[0], 2.5), (OTHERS[1], 2.0), (TRUCK, 1.0))
    assert names(prefer_by_time(ranked, word_similarities, "before"))[:2] == ["truck", "bike"]


def test_asked_when_nothing_moves() -> None:
    ranked = ranking((TRUCK, 3.0), (OTHERS[0], 2.5), (BIKE, 2.99))
    assert prefer_by_time(ranked, word_similarities, "when") == ranked


def test_otherwise_the_newer_moves_up_only_on_an_equal_score() -> None:
    tied = ranking((TRUCK, 3.0), (OTHERS[0], 2.96), (BIKE, 3.0 - EQUAL_SCORE / 2))
    assert names(prefer_by_time(tied, word_similarities, "any"))[0] == "bike"
    apart = ranking((TRUCK, 3.0), (OTHERS[0], 2.5), (BIKE, 2.0))
    assert prefer_by_time(apart, word_similarities, "any") == apart


def test_a_fact_that_does_not_match_the_question_stays_down() -> None:
    ranked = ranking((TRUCK, 4.0), (OTHERS[0], 2.5), (BIKE, 4.0 - MAX_SCORE_GAP - 0.1))
    assert prefer_by_time(ranked, word_similarities, "now") == ranked


def test_a_reply_in_the_same_conversation_replaces_nothing() -> None:
    reply = memory("reply", T0 + timedelta(minutes=2), "Ava traded the blue Ford truck for a bike")
    ranked = ranking((TRUCK, 3.0), (OTHERS[0], 2.5), (reply, 2.0))
    assert prefer_by_time(ranked, word_similarities, "now") == ranked


def test_a_newer_memory_on_another_subject_stays_down() -> None:
    lake = memory("lake", LATER, "Ava swims in the lake")
    ranked = ranking((TRUCK, 3.0), (OTHERS[0], 2.5), (OTHERS[1], 2.4), (lake, 2.3), (BIKE, 2.2))
    assert names(prefer_by_time(ranked, word_similarities, "now")) == [
        "bike",
        "truck",
        "poetry",
        "tomatoes",
        "lake",
    ]


def test_the_cosine_spread_does_not_depend_on_the_order_of_stored_rows() -> None:
    """Backends return a user's vectors in their own order; every one must rank alike."""
    rng = np.random.default_rng(7)
    matrix = normalised(rng.standard_normal((500, 16)).astype(np.float32))
    query = normalised(rng.standard_normal(16).astype(np.float32))
    ids = [f"m{n}" for n in range(500)]
    shuffled = rng.permutation(500)
    spreads = [
        nearest(query, UserVectors([ids[i] for i in order], matrix[order], None, 0), 10)[1]
        for order in (np.arange(500), shuffled)
    ]
    assert spreads[0] == spreads[1]


def test_equal_cosines_keep_every_memory_found_by_meaning() -> None:
    only = memory("only")
    assert names(fuse([], [(only, 0.9)], Spread(0.9, 0.0))) == ["only"]


def test_what_every_memory_shares_does_not_decide_the_nearest() -> None:
    """A generic memory close to what all memories share loses to the one that differs
    from the others as the query does, though its raw cosine is higher."""
    axes = np.eye(10, dtype=np.float32)
    shared = axes[0]
    rows = {"generic": shared + 0.05 * axes[9], "answer": shared + 0.6 * axes[1]}
    rows |= {f"other {i}": shared + 0.6 * axes[i] for i in range(2, 9)}
    ids = list(rows)
    matrix = normalised(np.stack(list(rows.values())))
    query = normalised(shared + 0.25 * axes[1])
    assert ids[int(np.argmax(matrix @ query))] == "generic"

    found, _ = nearest(query, UserVectors(ids, matrix, None, 0), None)

    assert ids[max(found, key=lambda pair: pair[1])[0]] == "answer"


def test_the_centred_cosines_do_not_depend_on_the_order_of_stored_rows() -> None:
    rng = np.random.default_rng(11)
    matrix = normalised(rng.standard_normal((300, 16)).astype(np.float32) + 2.0)
    query = normalised(rng.standard_normal(16).astype(np.float32) + 2.0)
    ids = [f"m{n}" for n in range(300)]
    scores = []
    for order in (np.arange(300), rng.permutation(300)):
        found, _ = nearest(
            query, UserVectors([ids[i] for i in order], matrix[order], None, 0), None
        )
        scores.append({ids[order[row]]: score for row, score in found})
    assert scores[0] == scores[1]


def test_a_user_with_one_memory_still_finds_it() -> None:
    only = normalised(np.ones(4, dtype=np.float32))
    query = normalised(np.arange(1, 5, dtype=np.float32))

    found, spread = nearest(query, UserVectors(["only"], only[None, :], None, 0), 5)

    assert found == [(0, 0.0)]
    assert spread == Spread(0.0, 0.0)
