"""print_response: one agent run shown as it happens, like Agno's Agent.print_response.

Answer tokens stream as they arrive; between them, dimmed, the steps that explain
the answer: the tools the model called, what they returned, and what changed in
the user's memories.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeAlias, cast

from langchain_core.messages import AIMessage, ToolMessage
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import StreamMode
from rich.console import Console, RenderableType
from rich.live import Live
from rich.markdown import Markdown
from rich.spinner import Spinner
from rich.text import Text

from graphs.context import Context
from graphs.scope import user_session
from graphs.steps import SUMMARY_EVENT

Agent: TypeAlias = CompiledStateGraph[Any, Context, Any, Any]
"""What `create_memory_agent` returns."""

ANSWER_NODE = "model"
"""Only this node's model tokens are the answer; the memory manager's are not shown."""
THINKING, UPDATING, SUMMARIZING = "Thinking…", "Updating memories…", "Summarising the session…"
MAX_STEP_CHARS = 160
"""A step is one line: longer arguments and tool results are cut."""

CHANGE_LABELS = {
    "added": "remembered",
    "updated": "updated",
    "refreshed": "already known",
    "deleted": "forgot",
    "cleared": "forgot",
}


def run_agent(
    agent: Agent,
    message: str,
    *,
    user_id: str,
    session_id: str,
    stream_mode: Sequence[StreamMode],
) -> Iterator[tuple[str, Any]]:
    """Send one user message: `session_id` is the thread, `user_id` whose memories are used."""
    chunks = agent.stream(
        {"messages": [{"role": "user", "content": message}]},
        {"configurable": {"thread_id": session_id}},
        context={"user_id": user_id},
        stream_mode=list(stream_mode),
    )
    yield from cast(Iterator[tuple[str, Any]], chunks)


def answer_in(update: Mapping[str, Any]) -> AIMessage | None:
    """The answer in an `updates` chunk: the respond node's message without tool calls."""
    node = update.get(ANSWER_NODE)
    messages = node.get("messages", []) if isinstance(node, Mapping) else []
    answers = [m for m in messages if isinstance(m, AIMessage) and not m.tool_calls]
    return answers[-1] if answers else None


def print_response(
    agent: Agent,
    message: str,
    *,
    user_id: str,
    session_id: str | None = None,
    stream: bool = True,
    show_intermediate_steps: bool = True,
    markdown: bool = False,
    console: Console | None = None,
) -> AIMessage:
    """Run the agent on `message` and print the answer, streamed when `stream`; return it.

    `session_id` is the thread to continue; by default the user's own
    (`user_session(user_id)`), never shared with another user.
    With `stream=False` the model is called without streaming and the answer is
    printed whole at the end; intermediate steps are still shown as they happen.
    """
    out = _Transcript(console or Console(), markdown)
    modes: list[StreamMode] = ["updates"]
    if stream:
        modes.append("messages")
    if show_intermediate_steps:
        modes.append("custom")
    answer: AIMessage | None = None
    updated_by: set[str] = set()  # tools whose results would only repeat their memory updates
    try:
        out.wait()
        session = session_id if session_id is not None else user_session(user_id)
        for mode, chunk in run_agent(
            agent, message, user_id=user_id, session_id=session, stream_mode=modes
        ):
            if mode == "messages":
                token, metadata = chunk
                if isinstance(token, AIMessage) and metadata.get("langgraph_node") == ANSWER_NODE:
                    out.token(token.text)
            elif mode == "custom":
                if chunk.get("type") == "memory_update":
                    updated_by.add(chunk["source"])
                out.steps(_event_lines(chunk))
                out.wait(_waiting_for(chunk))
            else:
                answer = answer_in(chunk) or answer
                if show_intermediate_steps:
                    out.steps(_update_lines(chunk, updated_by))
                out.wait()
        if answer is None:
            raise RuntimeError("the agent finished without an answer")
        if not stream:
            out.token(answer.text)
    finally:
        out.close()
    return answer


class _Transcript:
    """The answer as it grows, dimmed step lines, and a spinner while nothing else shows.

    Live displays are transient: finished text is printed once, in full, so it
    also reaches consoles that are not terminals (files, pipes, recordings).
    """

    def __init__(self, console: Console, markdown: bool) -> None:
        self.console = console
        self.markdown = markdown
        self.text = ""
        """The answer text since the last step."""
        self.live: Live | None = None

    def wait(self, label: str = THINKING) -> None:
        self.end_answer()
        self._show(Spinner("dots", Text(label, style="dim")))

    def token(self, text: str) -> None:
        if not text:
            return
        self.text += text
        if self.markdown:
            self._show(Markdown(self.text))
        else:
            self._hide()
            self.console.print(text, end="", markup=False, highlight=False, soft_wrap=True)

    def steps(self, lines: list[Text]) -> None:
        if lines:
            self.end_answer()
        for line in lines:
            self.console.print(line, highlight=False)

    def end_answer(self) -> None:
        """Finish the current piece of answer so the next output starts on its own line."""
        if self.text:
            self._hide()
            self.console.print(Markdown(self.text) if self.markdown else "")
        self.text = ""

    def close(self) -> None:
        self.end_answer()
        self._hide()

    def _show(self, renderable: RenderableType) -> None:
        if self.live is None:
            self.live = Live(
                renderable, console=self.console, refresh_per_second=12, transient=True
            )
            self.live.start()
        else:
            self.live.update(renderable)

    def _hide(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None


def _step(text: str, style: str = "dim") -> Text:
    one_line = " ".join(text.split())
    if len(one_line) > MAX_STEP_CHARS:
        one_line = one_line[: MAX_STEP_CHARS - 1] + "…"
    return Text(f"  {one_line}", style=style)


def _update_lines(update: Mapping[str, Any], updated_by: set[str]) -> list[Text]:
    """Tool calls the model made, and what tools answered that the memory lines did not say."""
    lines: list[Text] = []
    for node_update in update.values():
        messages = node_update.get("messages", []) if isinstance(node_update, Mapping) else []
        for message in messages:
            if isinstance(message, AIMessage):
                lines += [
                    _step(f"→ {call['name']}({_arguments(call['args'])})")
                    for call in message.tool_calls
                ]
            elif isinstance(message, ToolMessage) and message.name not in updated_by:
                failed = message.status == "error"
                lines.append(
                    _step(
                        f"← {message.name or 'tool'}: {message.text}",
                        "dim red" if failed else "dim",
                    )
                )
    return lines


def _arguments(args: Mapping[str, Any]) -> str:
    return ", ".join(
        f"{name}={json.dumps(value, ensure_ascii=False)}" for name, value in args.items()
    )


def _waiting_for(event: Mapping[str, Any]) -> str:
    """What the spinner says after an event: what has started, else thinking."""
    if event.get("status") != "started":
        return THINKING
    return SUMMARIZING if event.get("type") == SUMMARY_EVENT else UPDATING


def _event_lines(event: Mapping[str, Any]) -> list[Text]:
    """What a memory update changed or refused, or why it failed; or a model error."""
    if event.get("type") == "error":
        return [_step(f"model error: {event.get('error')}", "dim red")]
    status = event.get("status")
    if event.get("type") == SUMMARY_EVENT and status != "started":
        if status == "failed":
            return [_step(f"· session summary not updated: {event.get('error')}", "dim red")]
        return [_step("· session summary updated")]
    if event.get("type") != "memory_update" or status == "started":
        return []  # the spinner says it while it lasts
    if status == "failed":
        return [_step(f"· memory update failed, nothing changed: {event.get('error')}", "dim red")]
    lines = [_step(f"· {_change(change)}") for change in event.get("changes", [])]
    lines += [
        _step(f"· refused {refused['tool']}: {refused['reason']}", "dim yellow")
        for refused in event.get("refused", [])
    ]
    return lines


def _change(change: Mapping[str, Any]) -> str:
    label = CHANGE_LABELS.get(change["action"], change["action"])
    old, new = change.get("old_memory"), change.get("new_memory")
    if change["action"] == "updated":
        return f"{label}: {old} → {new}"
    return f"{label}: {new or old}"
