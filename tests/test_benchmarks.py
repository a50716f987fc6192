"""The LoCoMo and LongMemEval harnesses on small files written in the published layouts."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, ClassVar

import pytest

from benchmarks import locomo, longmemeval
from benchmarks.harness import CachedEmbeddings
from benchmarks.scoring import (
    bootstrap_interval,
    evidence_ndcg,
    evidence_recall,
    grouped,
    recall_all,
    recall_any,
)
from memory import Memory
from memory.embeddings import HashEmbeddings
from memory.testing import ScriptedChatModel, tool_call


def _turn(dia_id: str, speaker: str, text: str) -> dict[str, Any]:
    return {"speaker": speaker, "dia_id": dia_id, "text": text}


SESSIONS: dict[str, Any] = {
    "speaker_a": "Nora",
    "speaker_b": "Ivo",
    "session_1_date_time": "1:56 pm on 8 May, 2023",
    "session_1": [
        _turn("D1:1", "Nora", "Hi Ivo! I adopted a greyhound called Pepper."),
        _turn("D1:2", "Ivo", "Lovely! I started pottery classes last week."),
        {**_turn("D1:3", "Nora", "Look at this."), "blip_caption": "a photo of a sailing boat"},
    ],
    "session_2_date_time": "10:04 am on 21 June, 2023",
    "session_2": [
        _turn("D2:1", "Ivo", "My kiln broke, so pottery is on hold."),
        _turn("D2:2", "Nora", "Pepper won a race at the track on Sunday!"),
    ],
}
OBSERVATIONS: dict[str, Any] = {
    "session_1_observation": {
        "Nora": [["Nora adopted a greyhound named Pepper.", "D1:1"]],
        "Ivo": [["Ivo started pottery classes.", ["D1:2"]]],
    },
    "session_2_observation": {
        "Ivo": [["Ivo's kiln broke and his pottery is paused.", "D2:1; D1:2"]],
        "Nora": [["Nora's dog Pepper won a race.", "D2:02"]],
    },
}
QA: list[dict[str, Any]] = [
    {
        "question": "What is the name of Nora's greyhound?",
        "answer": "Pepper",
        "evidence": ["D1:1"],
        "category": 4,
    },
    {
        "question": "Why did Ivo stop pottery?",
        "answer": "kiln",
        "evidence": ["D2:1; D1:2"],
        "category": 1,
    },
    {
        "question": "When did Pepper win a race?",
        "answer": "June 2023",
        "evidence": ["D2:02", "D:1:1"],
        "category": 2,
    },
    {
        "question": "What does Nora sail?",
        "answer": "a boat",
        "evidence": ["D1:3", "D9:9"],
        "category": 3,
    },
    {
        "question": "Which race did Ivo win?",
        "adversarial_answer": "none",
        "evidence": ["D2:2"],
        "category": 5,
    },
    {"question": "What did Ivo bake?", "answer": "bread", "evidence": ["D30:05"], "category": 4},
]


@pytest.fixture
def locomo10(tmp_path: Path) -> Path:
    """The single-file release: a list of samples."""
    path = tmp_path / "locomo10.json"
    sample = {
        "sample_id": "conv-1",
        "conversation": SESSIONS,
        "observation": OBSERVATIONS,
        "session_summary": {"session_1_summary": "Nora and Ivo catch up."},
        "event_summary": {"events_session_1": {"Nora": [], "Ivo": [], "date": "8 May, 2023"}},
        "qa": QA,
    }
    path.write_text(json.dumps([sample]), encoding="utf-8")
    return path


@pytest.fixture
def conversation_file(tmp_path: Path) -> Path:
    """The per-conversation release: sessions, observations and qa at the top level."""
    folder = tmp_path / "locomo10_v2"
    folder.mkdir()
    path = folder / "conv-1.json"
    path.write_text(json.dumps({**SESSIONS, **OBSERVATIONS, "qa": QA}), encoding="utf-8")
    return path


def test_odd_evidence_ids_are_read_as_the_turns_they_name() -> None:
    assert locomo.evidence_ids("D8:6; D9:17") == ["D8:6", "D9:17"]
    assert locomo.evidence_ids("D30:05") == ["D30:5"]
    assert locomo.evidence_ids("D:11:26") == ["D11:26"]
    assert locomo.evidence_ids(["D1:3", "D2:4,D2:5"]) == ["D1:3", "D2:4", "D2:5"]
    assert locomo.evidence_ids("no id") == []


def test_both_locomo_layouts_read_alike(locomo10: Path, conversation_file: Path) -> None:
    (single,) = locomo.load(locomo10)
    (per_file,) = locomo.load(conversation_file.parent)
    assert single.sample_id == "conv-1"
    assert per_file.sample_id == "conv-1"
    assert single.turns == per_file.turns
    assert single.observations == per_file.observations
    assert [t.dia_id for t in single.turns] == ["D1:1", "D1:2", "D1:3", "D2:1", "D2:2"]
    assert single.turns[2].line == "Nora: Look at this. [shares a photo: a photo of a sailing boat]"
    assert single.turns[3].at is not None
    assert single.turns[3].at.month == 6
    cited = {item.text: item.evidence for item in single.observations}
    assert cited["Ivo's kiln broke and his pottery is paused."] == {"D2:1", "D1:2"}
    assert cited["Nora's dog Pepper won a race."] == {"D2:2"}


def test_a_folder_without_conversations_is_an_error_not_an_empty_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "locomo10_v2").mkdir()  # the published folder one level down
    with pytest.raises(SystemExit) as exit_:
        locomo.main([str(tmp_path), "--embeddings", "hash"])
    assert exit_.value.code == 2
    assert "no LoCoMo conversation in" in capsys.readouterr().err


def test_evidence_that_names_no_turn_is_dropped_and_counted(locomo10: Path) -> None:
    chosen = locomo.questions(locomo.load(locomo10), {1, 2, 3, 4})
    relevant = {q.text: q.relevant for q in chosen.asked}
    assert relevant["Why did Ivo stop pottery?"] == {"D2:1", "D1:2"}
    assert relevant["When did Pepper win a race?"] == {"D2:2", "D1:1"}
    assert relevant["What does Nora sail?"] == {"D1:3"}
    assert "What did Ivo bake?" not in relevant  # D30:5 is no turn: nothing left to find
    assert "Which race did Ivo win?" not in relevant  # category 5 is not asked for
    assert (chosen.dropped_ids, chosen.skipped) == (2, 1)
    assert {q.group for q in chosen.asked} == {
        "1 multi-hop",
        "2 temporal",
        "3 open-domain",
        "4 single-hop",
    }


def test_recall_and_ndcg_match_hand_computed_values() -> None:
    relevant = frozenset({"D1:1", "D2:1", "D3:1"})
    retrieved = [
        frozenset({"D9:9"}),
        frozenset({"D2:1", "D1:1"}),  # an observation citing two relevant turns
        frozenset({"D2:1"}),  # nothing new
        frozenset({"D3:1"}),
    ]
    assert evidence_recall(retrieved, relevant, 1) == 0
    assert evidence_recall(retrieved, relevant, 2) == pytest.approx(2 / 3)
    assert evidence_recall(retrieved, relevant, 5) == 1
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert evidence_ndcg(retrieved, relevant, 10) == pytest.approx(dcg / ideal)
    assert evidence_ndcg([frozenset({"D1:1"})], frozenset({"D1:1"}), 10) == 1
    assert recall_any(["s3", "s1"], frozenset({"s1", "s2"}), 2) == 1
    assert recall_all(["s3", "s1"], frozenset({"s1", "s2"}), 2) == 0
    assert recall_all(["s2", "s3", "s1"], frozenset({"s1", "s2"}), 3) == 1
    assert recall_any(["s3", "s1"], frozenset({"s1"}), 1) == 0


def test_bootstrap_intervals_repeat_with_their_seed() -> None:
    values = [0.0, 1.0, 1.0, 0.5, 0.0, 1.0, 0.25, 1.0]
    first = bootstrap_interval(values, seed=7)
    assert bootstrap_interval(values, seed=7) == first
    assert first[0] < sum(values) / len(values) < first[1]
    assert bootstrap_interval([0.5] * 10, seed=1) == (0.5, 0.5)
    report = grouped([("a", {"r": 1.0}), ("b", {"r": 0.0}), ("a", {"r": 1.0})], seed=3)
    assert list(report) == ["overall", "a", "b"]
    assert report["overall"]["r"]["mean"] == pytest.approx(2 / 3, abs=1e-4)
    assert report["a"]["r"] == {"mean": 1.0, "ci95": [1.0, 1.0], "n": 2}


def test_locomo_end_to_end_with_hash_embeddings(
    conversation_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "table.md"
    argv = [str(conversation_file), "--corpus", "turns", "--embeddings", "hash", "--k", "1"]
    cache = ["--cache", str(tmp_path / "vectors.sqlite")]
    report = locomo.main([*argv, "--k", "3", "--markdown", str(table), *cache])
    assert json.loads(capsys.readouterr().out) == report
    assert set(report["methods"]) == {"last_n", "bm25", "dense", "keyword", "semantic", "hybrid"}
    assert report["questions"] == 4
    assert report["evidence_ids_dropped"] == 2
    keyword = report["methods"]["keyword"]["groups"]
    assert keyword["4 single-hop"]["recall@1"]["mean"] == 1  # "greyhound" names one turn
    assert keyword["1 multi-hop"]["recall@3"]["mean"] == 1  # "Ivo" and "pottery": two turns
    last_n = report["methods"]["last_n"]
    assert last_n["groups"]["4 single-hop"]["recall@3"]["mean"] == 0  # D1:1 is the oldest
    assert last_n["context_tokens"]["1"] < last_n["context_tokens"]["3"]
    assert report["environment"]["packages"]["memory-agent"]
    assert "| hybrid | overall | 4 |" in table.read_text(encoding="utf-8")
    again = locomo.main([*argv, "--k", "3", *cache])
    assert {m: r["groups"] for m, r in again["methods"].items()} == {
        m: r["groups"] for m, r in report["methods"].items()
    }


def _session(*turns: tuple[str, str, bool]) -> list[dict[str, Any]]:
    return [
        {"role": role, "content": text, **({"has_answer": True} if answer else {})}
        for role, text, answer in turns
    ]


@pytest.fixture
def longmemeval_s(tmp_path: Path) -> Path:
    history = [
        _session(
            ("user", "I just got a new bike, a green gravel bike.", True),
            ("assistant", "Nice!", False),
        ),
        _session(
            ("user", "Can you suggest a pasta recipe?", False),
            ("assistant", "Try carbonara.", False),
        ),
        _session(
            ("user", "My bike commute takes 25 minutes now.", True),
            ("assistant", "Good exercise.", False),
        ),
    ]
    common = {
        "question_date": "2023/06/01 (Thu) 10:00",
        "haystack_session_ids": ["answer_a1_1", "sharegpt_x_0", "answer_a1_2"],
        "haystack_dates": [
            "2023/05/20 (Sat) 02:21",
            "2023/05/22 (Mon) 09:00",
            "2023/05/25 (Thu) 18:30",
        ],
        "haystack_sessions": history,
    }
    data = [
        {
            **common,
            "question_id": "q1",
            "question_type": "multi-session",
            "question": "What colour is my bike and how long is my bike commute?",
            "answer": "green; 25 minutes",
            "answer_session_ids": ["answer_a1_1", "answer_a1_2"],
        },
        {
            **common,
            "question_id": "q2_abs",
            "question_type": "single-session-user",
            "question": "What is my cat called?",
            "answer": "You did not mention a cat.",
            "answer_session_ids": [],
        },
    ]
    path = tmp_path / "longmemeval_s.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_longmemeval_loader_reads_sessions_turns_and_evidence(longmemeval_s: Path) -> None:
    first, abstention = longmemeval.load(longmemeval_s)
    assert abstention.abstention
    assert not first.abstention
    assert first.answer_sessions == {"answer_a1_1", "answer_a1_2"}
    assert first.evidence_turns() == {"answer_a1_1_1", "answer_a1_2_1"}
    assert first.sessions[2][1] is not None
    assert first.sessions[2][1].day == 25
    items = longmemeval.turns(first)
    assert len(items) == 6
    assert items[0].text == "user: I just got a new bike, a green gravel bike."
    assert items[0].evidence == {"answer_a1_1_1", "session:answer_a1_1"}
    assert [i.text for i in longmemeval.turns(first, frozenset({"user"}))][1:] == [
        "user: Can you suggest a pasta recipe?",
        "user: My bike commute takes 25 minutes now.",
    ]
    ranked = [items[5].evidence, items[4].evidence, items[0].evidence]
    assert longmemeval.ranked_sessions(ranked) == ["answer_a1_2", "answer_a1_1"]


def test_longmemeval_end_to_end_with_hash_embeddings(
    longmemeval_s: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = longmemeval.main([str(longmemeval_s), "--embeddings", "hash", "--k", "2"])
    capsys.readouterr()
    assert report["questions"] == 1  # the abstention question has no evidence
    keyword = report["methods"]["keyword"]["groups"]["multi-session"]
    assert keyword["session_recall_all@2"]["mean"] == 1
    assert keyword["turn_recall_all@2"]["mean"] == 1
    last_n = report["methods"]["last_n"]["groups"]["overall"]
    assert last_n["session_recall_any@2"]["mean"] == 1
    assert last_n["turn_recall_all@2"]["mean"] == 0


def test_vectors_are_computed_once_per_text(tmp_path: Path) -> None:
    class Counting(HashEmbeddings):
        texts: ClassVar[list[str]] = []

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            Counting.texts += texts
            return super().embed_documents(texts)

    cached = CachedEmbeddings(Counting(), tmp_path / "vectors.sqlite")
    first = cached.embed_documents(["a pear", "a plum", "a pear"])
    again = CachedEmbeddings(Counting(), tmp_path / "vectors.sqlite")
    assert again.embed_documents(["a plum", "a pear"]) == [first[1], first[0]]
    assert sorted(Counting.texts) == ["a pear", "a plum"]
    assert first[0] == pytest.approx(HashEmbeddings().embed_documents(["a pear"])[0])


def test_extracted_memories_cite_the_turns_they_were_learned_from(locomo10: Path) -> None:
    (talk,) = locomo.load(locomo10)
    model = ScriptedChatModel(
        [
            tool_call("add_memory", memory="Nora has a greyhound called Pepper"),
            tool_call("add_memory", memory="Ivo's kiln broke"),
        ]
    )
    with Memory(model=model) as memory:
        items = locomo.extracted(memory, talk, chunk=3)
    cited = {item.text: item.evidence for item in items}
    assert cited == {
        "Nora has a greyhound called Pepper": {"D1:1", "D1:2", "D1:3"},
        "Ivo's kiln broke": {"D2:1", "D2:2"},
    }
    assert "Nora: Hi Ivo! I adopted a greyhound called Pepper." in str(model.calls[0].messages)
