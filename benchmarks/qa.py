"""Optional answer-and-judge mode of the LoCoMo and LongMemEval harnesses.

    uv run python -m benchmarks.locomo DATA --corpus observations \\
        --qa-model openai:gpt-4.1-mini --judge-model openai:gpt-4.1

A named model (`--qa-model`) answers each question from the items one method retrieved
(`--qa-method`, hybrid by default, its best `max k`); a named judge model
(`--judge-model`) then grades each answer twice, with two prompts written after the
published ones: a lenient judge as used for LoCoMo (an answer about the same thing as
the gold answer counts, dates in any format) and a strict one as LongMemEval's (the
answer must hold the gold answer or an equivalent; a partial answer is wrong; with its
allowances for temporal, knowledge-update and preference questions).
Accuracy is reported per category or question type, with bootstrap intervals, for both
judges, next to the models' names and the prompts' names: how lenient a judge is moves
such figures a lot, so none is given without them. This mode calls models, so it is run
by hand, never in tests or CI.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from benchmarks.harness import Question, Retrieved
from benchmarks.scoring import grouped
from memory.chat_models import ModelSpec, resolve_chat_model

logger = logging.getLogger(__name__)

ANSWER_PROMPT = """You answer questions about a user's past conversations from notes \
retrieved from them. Answer in a few words, using only the notes; when they do not \
say, answer that you do not know. Resolve relative dates ("last week") against the \
date of the note that uses them.

Notes:
{context}

Question: {question}
Short answer:"""

LENIENT_JUDGE = """Grade an answer to a question about a user's past conversations \
against the gold answer. Be generous: call it CORRECT when it refers to the same \
thing as the gold answer, even if it is longer, worded otherwise or gives more \
detail. For a date or time, it is CORRECT when it names the same day, month or \
period in any format ("7 May 2023", "May 7th"). Otherwise it is WRONG.

Question: {question}
Gold answer: {gold}
Answer: {answer}

Reply with the single word CORRECT or WRONG."""

STRICT_JUDGE = """Decide whether a chat assistant's answer to a question is right, \
given the correct answer. Reply yes when the answer contains the correct answer or \
states something equivalent to it; reply no when it gives only part of what the \
correct answer needs, or something else. {allowance}

Question: {question}
Correct answer: {gold}
Answer: {answer}

Is the answer right? Reply yes or no only."""

ALLOWANCES = {
    "temporal-reasoning": "Counts of days, weeks or months that are off by one still "
    "count as right.",
    "knowledge-update": "An answer that gives the updated information counts as right "
    "even if it also mentions what was true before.",
    "single-session-preference": "The correct answer is a description of what the user "
    "would want; the answer is right when it follows it, though it need not cover every "
    "point.",
}
JUDGES = {"lenient": LENIENT_JUDGE, "strict": STRICT_JUDGE}


def _text(reply: Any) -> str:
    content = reply.content if hasattr(reply, "content") else reply
    return content if isinstance(content, str) else str(content)


def judged(judge: ModelSpec, kind: str, group: str, question: str, gold: str, answer: str) -> bool:
    """Whether one judge (`lenient` or `strict`) counts `answer` right."""
    allowance = ALLOWANCES.get(group, "")
    prompt = JUDGES[kind].format(question=question, gold=gold, answer=answer, allowance=allowance)
    verdict = _text(resolve_chat_model(judge).invoke(prompt)).strip().lower()
    return verdict.startswith("correct" if kind == "lenient" else "yes")


def accuracy(
    questions: Sequence[Question],
    retrieved: Sequence[Retrieved],
    k: int,
    answerer: ModelSpec,
    judge: ModelSpec,
    seed: int,
) -> dict[str, Any]:
    """Each judge's accuracy per group, over answers given from the first `k` items."""
    rows = []
    model = resolve_chat_model(answerer)
    for question, found in zip(questions, retrieved, strict=True):
        context = "\n".join(f"- {text}" for text in found.texts[:k])
        answer = _text(model.invoke(ANSWER_PROMPT.format(context=context, question=question.text)))
        verdicts = {
            f"{kind}_judge": float(
                judged(judge, kind, question.group, question.text, question.answer, answer)
            )
            for kind in JUDGES
        }
        logger.info("%s -> %s %s", question.text, answer, verdicts)
        rows.append((question.group, verdicts))
    return {
        "answer_model": str(answerer),
        "judge_model": str(judge),
        "judges": {"lenient": "after LoCoMo's LLM judge", "strict": "after LongMemEval's"},
        "k": k,
        "groups": grouped(rows, seed),
    }
