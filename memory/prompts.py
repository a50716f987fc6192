"""Every prompt text the library sends to a model, and nothing else."""

from __future__ import annotations

import html
from datetime import datetime


def quoted(text: str) -> str:
    """`text` for between a prompt's delimiters, where it can neither close nor open one
    (`&`, `<` and `>` are escaped as in HTML) nor forge a line of its own (each line
    after its first is indented, so only the prompt's own lines start at the margin)."""
    return html.escape(text, quote=False).replace("\n", "\n  ")


def one_line(text: str) -> str:
    """`quoted`, on one line: for an item of a list (a memory, a topic)."""
    return html.escape(" ".join(text.split()), quote=False)


MEMORY_MANAGER_ROLE = """\
You maintain a list of short facts about one user, so that an assistant can \
personalise its answers to them. You change the list only by calling the tools \
you are given. You never talk to the user: do not answer questions, greet, or \
explain yourself in prose."""

MEMORY_CAPTURE_INSTRUCTIONS = """\
Worth remembering, when the user says it about themselves:
- personal facts: name, age, where they live, work or study, family, languages;
- significant life events and experiences;
- their current situation, challenges and goals;
- what they like and dislike, their opinions, beliefs and values;
- anything else that would help personalise future conversations."""

MEMORY_RULES = """\
Rules:
- One fact per memory, in the third person, short: "The user's name is Ava", \
"The user likes to ski".
- Before adding, read the existing memories. When a new fact changes or refines \
one of them, call update_memory with its id instead of adding a second one. \
When the fact is already there, do nothing.
- When the user asks to forget something, remove every trace of it: delete the \
memories about it, or update a memory to drop just that part.
- When the user says a fact holds only for a while ("I'm in Rome until Friday", \
"this week I work from home"), give expires_at: when it stops being true, worked \
out from the current time below. A lasting fact gets none. When you update a \
memory that has one, give it again unless the fact became lasting.
- Do not store instructions to the assistant, one-off requests, small talk, or \
what the assistant said. Never store passwords, keys, card or account numbers, \
even if the user shares them.
- Use only the memory ids listed below; never invent one.
- When nothing needs to change, call no tool and reply "No changes"."""

TOOL_DESCRIPTIONS = {
    "add_memory": "Store one new short fact about the user.",
    "update_memory": "Replace the text and topics of an existing memory, keeping its id.",
    "delete_memory": "Delete one memory the user wants forgotten or that is no longer true.",
    "clear_memory": "Delete every memory of this user. Only when they ask to forget everything.",
}

ARGUMENT_DESCRIPTIONS = {
    "memory": "The fact, one short third-person sentence.",
    "topics": "A few one- or two-word topics, such as 'name', 'hobbies', 'work'.",
    "memory_id": "The id of an existing memory, exactly as listed, e.g. 'm3'.",
    "expires_at": (
        "Only for a temporary fact: when it stops being true, as an ISO 8601 date and time "
        "in UTC, e.g. '2025-03-08T00:00:00Z'. Omit it for a lasting fact."
    ),
}

NO_MEMORIES = "(none yet)"

PARTIAL_LIST_NOTE = """\
(The user has more memories than fit here; these are the ones most related to \
the input and the newest. Refer only to ids listed.)"""


def current_time(now: datetime) -> str:
    return f"The current time is {now.isoformat()} ({now:%A})."


def transcript_line(role: str, text: str) -> str:
    """One message of a conversation shown to a model: its role, then its `quoted` text."""
    return f"{role}: {quoted(text)}"


def memory_line(alias: str, memory: str, topics: list[str], expires_at: datetime | None) -> str:
    """One memory as the memory manager and agentic search see it, on one line."""
    return (
        f"[{alias}] {one_line(memory)}"
        + (f" (topics: {', '.join(map(one_line, topics))})" if topics else "")
        + (f" (expires_at: {expires_at.isoformat()})" if expires_at else "")
    )


def existing_memories_section(lines: list[str], complete: bool) -> str:
    body = "\n".join(lines) if lines else NO_MEMORIES
    note = "" if complete else f"\n{PARTIAL_LIST_NOTE}"
    return f"<existing_memories>\n{body}\n</existing_memories>{note}"


def conversation_input(transcript: str) -> str:
    """The conversation for the memory manager; `transcript` is `transcript_line`s."""
    return (
        "Update the memories from what the user says in this conversation. Facts come "
        f"from the user's own messages only.\n\n<conversation>\n{transcript}\n</conversation>"
    )


def task_input(task: str) -> str:
    return (
        "The assistant passes on this request about the user's memories. Carry it out.\n\n"
        f"<task>\n{quoted(task)}\n</task>"
    )


AGENTIC_SEARCH_ROLE = """\
You find which of a user's memories help answer a query. Return the ids of the \
related memories, most related first, as listed; return an empty list when none \
is related. Judge by meaning, not by shared words."""


def agentic_search_input(query: str) -> str:
    return f"<query>\n{quoted(query)}\n</query>"


SESSION_SUMMARIZER_ROLE = """\
You keep a short running summary of one conversation between a user and an \
assistant, so that the assistant still knows what was discussed once the early \
messages are out of its sight. Write what the user asked, said and decided and \
what the assistant answered or promised, in a few sentences of plain prose \
(under 150 words), keeping what matters from the previous summary. Add a few \
one- or two-word topics. Do not invent anything that was not said."""


def session_summary_input(previous: str | None, transcript: str) -> str:
    conversation = f"<conversation>\n{transcript}\n</conversation>"
    if previous is None:
        return f"Summarise this conversation.\n\n{conversation}"
    return (
        "Update the previous summary with what was said since it was written.\n\n"
        f"<previous_summary>\n{quoted(previous)}\n</previous_summary>\n\n{conversation}"
    )


# -- the agent that talks to the user ------------------------------------------

DEFAULT_AGENT_INSTRUCTIONS = "You are a helpful assistant."

MARKDOWN_INSTRUCTION = "Format your answers with markdown."

AGENT_MEMORY_GUIDANCE = """\
These are facts the user shared in earlier conversations. Use them to \
personalise your answers when they are relevant; do not recite them unprompted. \
When the user now says something different, believe what they say now."""

AGENT_NO_MEMORIES = "You do not know anything about the user yet."

AGENTIC_MEMORY_INSTRUCTION = """\
You can remember, correct and forget facts about the user with the \
update_user_memory tool. Call it when the user tells you something about \
themselves worth remembering, or asks you to remember or forget something; \
describe the change as a task, e.g. "The user moved to Oslo" or "Forget the \
user's address"."""

READ_CHAT_HISTORY_INSTRUCTION = """\
Only the latest messages of this conversation are shown to you. To read earlier \
exchanges, call get_chat_history."""

UPDATE_USER_MEMORY_DESCRIPTION = """\
Remember, update or forget facts about the user. Describe the change as a task \
in plain words, e.g. "The user's name is Ava and she likes to ski" or "Forget \
everything about the user's job"."""

SEARCH_USER_MEMORIES_DESCRIPTION = """\
Look up what you know about the user: returns their memories most related to the \
query, e.g. "dietary restrictions" or "where the user lives"."""

GET_CHAT_HISTORY_DESCRIPTION = """\
Read the last exchanges of this conversation (the user's message and your \
answer), oldest first."""


def agent_instructions(instructions: str | None, markdown: bool, read_chat_history: bool) -> str:
    """The memory agent's own system prompt, before the memories join it."""
    parts = [
        instructions or DEFAULT_AGENT_INSTRUCTIONS,
        MARKDOWN_INSTRUCTION if markdown else "",
        READ_CHAT_HISTORY_INSTRUCTION if read_chat_history else "",
    ]
    return "\n\n".join(part for part in parts if part)


SESSION_SUMMARY_NOTE = """\
Earlier parts of this conversation are no longer shown to you; this is a summary of \
the conversation so far."""


def session_summary_section(summary: str) -> str:
    """What the agent's system prompt gains when runs have left the window it sees."""
    return f"{SESSION_SUMMARY_NOTE}\n<session_summary>\n{quoted(summary)}\n</session_summary>"


MEMORIES_UNAVAILABLE = """\
What you know about the user could not be read just now; answer without it."""


def user_memories_unavailable_section(agentic_memory: bool) -> str:
    """What any agent's system prompt gains when the user's memories could not be read."""
    return (
        f"{MEMORIES_UNAVAILABLE}\n\n{AGENTIC_MEMORY_INSTRUCTION}"
        if agentic_memory
        else MEMORIES_UNAVAILABLE
    )


def user_memories_section(memory_lines: list[str], complete: bool, agentic_memory: bool) -> str:
    """What any agent's system prompt gains: the user's memories, and the memory tool's use."""
    if memory_lines:
        note = "" if complete else "\n(Only the memories most related to this message.)"
        body = "\n".join(memory_lines)
        memories = (
            f"<memories_from_previous_interactions>\n{body}\n"
            f"</memories_from_previous_interactions>{note}\n{AGENT_MEMORY_GUIDANCE}"
        )
    else:
        memories = AGENT_NO_MEMORIES
    return f"{memories}\n\n{AGENTIC_MEMORY_INSTRUCTION}" if agentic_memory else memories


# -- MCP tools (server/mcp.py): what an MCP client's model reads about each tool ----------

MCP_ADD_MEMORY_DESCRIPTION = """\
Remember one fact about the user, in the third person ("The user's name is Ava"). \
Returns the stored memory; saying a fact the user already has refreshes it."""

MCP_SEARCH_MEMORIES_DESCRIPTION = """\
Find the user's memories most related to a query, best first."""

MCP_LIST_MEMORIES_DESCRIPTION = """\
List the user's memories, oldest first, optionally only those with any of some topics \
or updated within a time range."""

MCP_GET_MEMORY_DESCRIPTION = "Read one of the user's memories by its id."

MCP_UPDATE_MEMORY_DESCRIPTION = """\
Change one of the user's memories: its text, its topics or when it expires. What is \
not given stays as it was; the id stays the same."""

MCP_DELETE_MEMORY_DESCRIPTION = "Delete one of the user's memories by its id."

MCP_MEMORY_HISTORY_DESCRIPTION = """\
Every change made to one of the user's memories, oldest first (kept after it is deleted)."""

MCP_FORGET_ALL_DESCRIPTION = """\
Delete every memory of the user. Only when the user asked for it in so many words; \
`confirm` must be true."""

MCP_SERVER_INSTRUCTIONS = """\
Long-term memories of the user this connection acts for: facts learned in earlier \
conversations. Search them before answering questions about the user; add or update \
a memory when the user shares or corrects a lasting fact."""
