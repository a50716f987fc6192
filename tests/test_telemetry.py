"""What memory tells its operators: spans of every operation, the tokens its models used,
and logs that say why something failed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.runnables import RunnableConfig
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Tracer

from graphs import create_memory_agent, flush_memories
from memory import Memory, PostgresMemoryDb, SqliteMemoryDb, telemetry
from memory.telemetry import TokenCounter, TokenUsage
from memory.testing import ScriptedChatModel, tool_call, with_usage

USER = "ava-7f3e"
SECRET = "pistachio"
SAID = f"I love {SECRET} ice cream"
LEARNED = f"The user loves {SECRET} ice cream"


class Traces:
    """Spans finished by memory, and a tracer for the app's own run span."""

    def __init__(self, provider: TracerProvider, exporter: InMemorySpanExporter) -> None:
        self.exporter = exporter
        self.app: Tracer = provider.get_tracer("app")

    @property
    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def named(self, name: str, operation: str | None = None) -> list[ReadableSpan]:
        return [
            span
            for span in self.spans
            if span.name == name
            and (operation is None or attrs(span)[telemetry.OPERATION] == operation)
        ]

    def one(self, name: str, operation: str | None = None) -> ReadableSpan:
        [span] = self.named(name, operation)
        return span

    def children(self, parent: ReadableSpan) -> list[str]:
        return sorted(
            f"{span.name}:{attrs(span).get(telemetry.OPERATION)}"
            for span in self.spans
            if span.parent is not None and span.parent.span_id == parent.context.span_id
        )


def attrs(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


@pytest.fixture
def traces() -> Iterator[Traces]:
    """Memory's spans go to a provider of the test's own: the global one is never set."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    telemetry.use_tracer_provider(provider)
    try:
        yield Traces(provider, exporter)
    finally:
        telemetry.use_tracer_provider(None)
        telemetry.trace_content(None)
        provider.shutdown()


def run_config(thread: str = "t1") -> RunnableConfig:
    return {"configurable": {"thread_id": thread}}


def said(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


def test_an_agent_run_with_extraction_nests_its_memory_spans_under_the_run(
    traces: Traces,
) -> None:
    learner = ScriptedChatModel([with_usage(tool_call("add_memory", memory=LEARNED), 321, 17)])
    memory = Memory(model=learner)
    agent = create_memory_agent(
        ScriptedChatModel(["Noted."]), memory=memory, enable_user_memories=True
    )
    with traces.app.start_as_current_span("agent run") as run:
        events = [
            chunk
            for chunk in agent.stream(
                said(SAID), run_config(), context={"user_id": USER}, stream_mode="custom"
            )
            if chunk.get("type") == "memory_update"
        ]

    [root] = [span for span in traces.spans if span.name == "agent run"]
    assert root.context.span_id == run.get_span_context().span_id
    assert traces.children(root) == [
        "memory_agent.learn:create_user_memories",
        "search_memory:get_memories_for_prompt",
    ]
    shown = traces.named("search_memory", "get_memories_for_prompt")[0]
    assert attrs(shown)[telemetry.OPERATION_NAME] == "search_memory"
    assert attrs(shown)[telemetry.TOKEN_BUDGET] > 0
    assert attrs(shown)[telemetry.RECORD_COUNT] == 0
    assert attrs(shown)[telemetry.CONTEXT_TOKENS] == 0

    learn = traces.one("memory_agent.learn")
    assert traces.children(learn) == [
        "search_memory:get_memories_for_prompt",
        "update_memory:apply_user_memory_ops",
    ]
    assert {
        key: attrs(learn)[key]
        for key in (
            telemetry.MESSAGES,
            telemetry.APPLIED,
            telemetry.REFUSED,
            telemetry.MODEL_CALLS,
            telemetry.INPUT_TOKENS,
            telemetry.OUTPUT_TOKENS,
        )
    } == {
        telemetry.MESSAGES: 1,
        telemetry.APPLIED: 1,
        telemetry.REFUSED: 0,
        telemetry.MODEL_CALLS: 1,
        telemetry.INPUT_TOKENS: 321,
        telemetry.OUTPUT_TOKENS: 17,
    }
    applied = traces.one("update_memory", "apply_user_memory_ops")
    assert attrs(applied)[telemetry.RECORD_COUNT] == 1
    [completed] = [event for event in events if event["status"] == "completed"]
    assert (completed["input_tokens"], completed["output_tokens"]) == (321, 17)

    # The next run's prompt memories report what they put in the prompt.
    agent = create_memory_agent(
        ScriptedChatModel(["Sure."]), memory=memory, enable_user_memories=False
    )
    traces.exporter.clear()
    agent.invoke(said("What do I like?"), run_config(), context={"user_id": USER})
    shown = traces.one("search_memory", "get_memories_for_prompt")
    assert attrs(shown)[telemetry.RECORD_COUNT] == 1
    assert attrs(shown)[telemetry.CONTEXT_TOKENS] == memory.get_memories_for_prompt(USER).tokens
    assert attrs(shown)[telemetry.CONTEXT_TOKENS] > 0


def test_an_agentic_search_span_counts_its_results_and_model_tokens(traces: Traces) -> None:
    memory = Memory()
    memory.add_user_memory("The user goes climbing on Saturdays", USER)
    memory.add_user_memory("The user reads novels", USER)
    chooser = ScriptedChatModel(
        [with_usage(tool_call("RelatedMemories", memory_ids=["m1"]), 88, 9)]
    )
    traces.exporter.clear()

    found = memory.search_user_memories(
        USER, query="weekends", retrieval_method="agentic", model=chooser, limit=3
    )

    assert [m.memory for m in found] == ["The user goes climbing on Saturdays"]
    assert (found.input_tokens, found.output_tokens) == (88, 9)
    search = traces.one("search_memory", "search_user_memories")
    assert search.parent is None
    assert {
        key: attrs(search)[key]
        for key in (
            telemetry.OPERATION_NAME,
            telemetry.METHOD,
            telemetry.TOP_K,
            telemetry.RECORD_COUNT,
            telemetry.INPUT_TOKENS,
            telemetry.OUTPUT_TOKENS,
        )
    } == {
        telemetry.OPERATION_NAME: "search_memory",
        telemetry.METHOD: "agentic",
        telemetry.TOP_K: 3,
        telemetry.RECORD_COUNT: 1,
        telemetry.INPUT_TOKENS: 88,
        telemetry.OUTPUT_TOKENS: 9,
    }
    assert traces.children(search) == ["search_memory:get_memories_for_prompt"]


def test_a_deferred_flush_spans_each_thread_it_learns_from(traces: Traces) -> None:
    learner = ScriptedChatModel([with_usage(tool_call("add_memory", memory=LEARNED), 200, 11)])
    memory = Memory(model=learner)
    memory.extraction_worker(background=False)  # learning waits for the flush
    agent = create_memory_agent(
        ScriptedChatModel(["Noted."]),
        memory=memory,
        enable_user_memories=True,
        memory_extraction="deferred",
    )
    agent.invoke(said(SAID), run_config("chat-1"), context={"user_id": USER})
    assert traces.named("memory_agent.learn") == []
    traces.exporter.clear()

    with traces.app.start_as_current_span("shutdown"):
        flushed = flush_memories(memory)

    assert (flushed.input_tokens, flushed.output_tokens) == (200, 11)
    [result] = flushed.results
    assert (result.input_tokens, result.output_tokens) == (200, 11)
    [shutdown] = [span for span in traces.spans if span.name == "shutdown"]
    assert traces.children(shutdown) == ["memory_agent.flush:flush_memories"]
    flush = traces.one("memory_agent.flush")
    assert attrs(flush)[telemetry.THREADS_PENDING] == 0
    assert (attrs(flush)[telemetry.INPUT_TOKENS], attrs(flush)[telemetry.OUTPUT_TOKENS]) == (
        200,
        11,
    )
    assert traces.children(flush) == ["memory_agent.learn_pending:learn_pending"]
    pending = traces.one("memory_agent.learn_pending")
    assert attrs(pending)[telemetry.CONVERSATION_ID] == "chat-1"
    assert attrs(pending)[telemetry.APPLIED] == 1
    assert traces.children(pending) == ["memory_agent.learn:create_user_memories"]


def exercise(memory: Memory) -> None:
    """Every kind of operation, with the user's id and text the spans must not leak."""
    memory_id = memory.add_user_memory(LEARNED, USER)
    memory.replace_user_memory(memory_id, f"{LEARNED}, daily", USER)
    memory.search_user_memories(USER, query=SECRET)
    memory.get_memories_for_prompt(USER, SAID)
    memory.create_user_memories(SAID, user_id=USER)
    memory.create_session_summary("s1", USER, [("user", SAID), ("assistant", "Noted.")])
    memory.import_user_memories(memory.export_user_memories(USER))
    memory.delete_user_memory(USER, memory_id)
    memory.erase_user(USER)
    memory.clear(USER)


def leaks(span: ReadableSpan) -> list[str]:
    return [key for key, value in attrs(span).items() if USER in str(value) or SECRET in str(value)]


def scripted_learner() -> ScriptedChatModel:
    return ScriptedChatModel(
        [
            tool_call("add_memory", memory=f"{LEARNED} in summer"),
            tool_call("SessionSummaryResponse", summary=f"Ava talked about {SECRET}."),
        ]
    )


def test_spans_carry_no_user_id_or_memory_text_unless_the_app_opts_in(
    traces: Traces, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(telemetry.TRACE_CONTENT_ENV, raising=False)
    exercise(Memory(model=scripted_learner()))
    names = {span.name for span in traces.spans}
    assert names >= {
        "create_memory",
        "update_memory",
        "delete_memory",
        "upsert_memory",
        "search_memory",
        "memory_agent.learn",
        "memory_agent.summarize",
    }
    assert [(span.name, leaks(span)) for span in traces.spans if leaks(span)] == []
    erase = traces.one("delete_memory", "erase_user")
    assert attrs(erase)[telemetry.RECORD_COUNT] == 1  # the memory the model learned

    traces.exporter.clear()
    monkeypatch.setenv(telemetry.TRACE_CONTENT_ENV, "1")
    exercise(Memory(model=scripted_learner()))
    assert all(attrs(span).get(telemetry.USER_ID) == USER for span in traces.spans)
    added = traces.one("create_memory")
    assert LEARNED in attrs(added)[telemetry.RECORDS]
    search = traces.one("search_memory", "search_user_memories")
    assert attrs(search)[telemetry.QUERY_TEXT] == SECRET

    traces.exporter.clear()
    telemetry.trace_content(False)  # the app's setting wins over the environment
    exercise(Memory(model=scripted_learner()))
    assert [(span.name, leaks(span)) for span in traces.spans if leaks(span)] == []


async def test_the_async_twins_are_spanned_as_the_blocking_ones(traces: Traces) -> None:
    memory = Memory()
    await memory.aadd_user_memory(LEARNED, USER)
    found = await memory.asearch_user_memories(USER, query=SECRET)
    assert len(found) == 1
    search = traces.one("search_memory", "search_user_memories")
    assert (attrs(search)[telemetry.METHOD], attrs(search)[telemetry.RECORD_COUNT]) == (
        "keyword",
        1,
    )
    assert traces.one("create_memory").status.is_ok


def test_a_failing_operation_marks_its_span_failed(traces: Traces) -> None:
    memory = Memory(model=ScriptedChatModel([RuntimeError("provider is down")]))
    with pytest.raises(Exception, match="provider is down"):
        memory.create_user_memories(SAID, user_id=USER)
    learn = traces.one("memory_agent.learn")
    assert not learn.status.is_ok
    assert [event.name for event in learn.events] == ["exception"]


def test_a_token_counter_tells_the_answer_model_from_the_memory_model() -> None:
    learner = ScriptedChatModel([with_usage(tool_call("add_memory", memory=LEARNED), 300, 20)])
    answerer = ScriptedChatModel([with_usage("Noted.", 150, 4)])
    agent = create_memory_agent(answerer, memory=Memory(model=learner), enable_user_memories=True)
    counter = TokenCounter()
    config = run_config()
    config["callbacks"] = [counter]
    agent.invoke(said(SAID), config, context={"user_id": USER})
    assert counter.answer == TokenUsage(150, 4)
    assert counter.memory == TokenUsage(300, 20)


def test_a_failing_memory_model_is_logged_once_with_its_traceback_thread_and_step(
    caplog: pytest.LogCaptureFixture,
) -> None:
    memory = Memory(model=ScriptedChatModel([RuntimeError("provider is down")]))
    agent = create_memory_agent(
        ScriptedChatModel(["Hello!", "Hello again!"]), memory=memory, enable_user_memories=True
    )
    with caplog.at_level(logging.INFO):
        agent.invoke(said(SAID), run_config("chat-9"), context={"user_id": USER})
    [record] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert record.exc_info is not None
    assert "provider is down" in caplog.text  # the traceback names the cause
    assert "Traceback" in caplog.text
    message = record.getMessage()
    assert "'chat-9'" in message
    assert "extract_memories" in message
    assert all(USER not in r.getMessage() for r in caplog.records)
    assert all(SECRET not in r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)

    caplog.clear()
    memory.model = ScriptedChatModel([RuntimeError("provider is down")])
    with caplog.at_level(logging.DEBUG, logger="graphs"):
        agent.invoke(said("Hi"), run_config("chat-9"), context={"user_id": USER})
    [record] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert USER in record.getMessage()  # the user's id only when DEBUG is on


def db_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("memory.db") and r.levelno == logging.INFO
    ]


def test_a_fresh_sqlite_file_logs_its_migrations_and_a_reopened_one_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "memories.db"
    with caplog.at_level(logging.INFO, logger="memory.db"):
        SqliteMemoryDb(db_file=path).close()
        [fresh] = db_lines(caplog)
        caplog.clear()
        SqliteMemoryDb(db_file=path).close()
        assert db_lines(caplog) == []
    assert "applied migrations 0001_memories" in fresh
    assert str(path) in fresh


def test_a_fresh_postgres_table_logs_its_pool_and_migrations_and_a_reopened_one_no_migrations(
    postgres_test_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="memory.db"):
        db = PostgresMemoryDb(postgres_test_url)
        db.setup()
        db.close()
        fresh = db_lines(caplog)
        caplog.clear()
        db = PostgresMemoryDb(postgres_test_url)
        db.setup()
        db.close()
        reopened = db_lines(caplog)
    assert [line.split(" ")[0] for line in fresh] == ["opened", "table"]
    assert "applied migrations 1 to" in fresh[1]
    assert [line.split(" ")[0] for line in reopened] == ["opened"]
    assert postgres_test_url not in "\n".join(fresh)  # no credentials in the log


def test_a_summary_span_counts_the_summary_models_tokens(traces: Traces) -> None:
    summarizer = ScriptedChatModel(
        [with_usage(tool_call("SessionSummaryResponse", summary="Ava likes ice cream."), 140, 12)]
    )
    memory = Memory(model=summarizer)
    memory.create_session_summary("s1", USER, [("user", SAID), ("assistant", "Noted.")])
    summary = traces.one("memory_agent.summarize")
    assert {
        key: attrs(summary)[key]
        for key in (telemetry.CONVERSATION_ID, telemetry.INPUT_TOKENS, telemetry.OUTPUT_TOKENS)
    } == {telemetry.CONVERSATION_ID: "s1", telemetry.INPUT_TOKENS: 140, telemetry.OUTPUT_TOKENS: 12}
