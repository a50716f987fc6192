"""Every Python example in the README and the docs runs as written, with models served locally.

A block fenced as ```python runs; shell commands, JSON and output are fenced with their own
language (```bash, ```json, ```text) and are shown, not run.
"""

from __future__ import annotations

import re
import runpy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from memory.testing import tool_call, tool_calls
from tests.fakes import GeminiServer, OpenAIServer
from tests.fakes._scripted_server import Reply

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
FRIDAY = (datetime.now(UTC) + timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
"""When the scripted memory model says a temporary fact ends: always ahead of the run."""
BLOCKS = [
    (f"{page.relative_to(ROOT).as_posix()}:{n}", code)
    for page in PAGES
    for n, code in enumerate(
        re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL)
    )
]
"""(page:index, code) of every Python block."""


@dataclass
class Example:
    """What the model answers in an example, and what the example must print."""

    prints: list[str]
    replies: list[Reply] = field(default_factory=list)
    covered_by: str = ""
    """When set, the example needs a running server and this test makes the same calls."""
    postgres: bool = False
    """The example reads MEMORY_AGENT_DB: it gets a schema of its own on the test server."""


# Keyed by a line that identifies the example.
EXAMPLES = {
    "Memories about Ava:": Example(
        ["Memories about Ava:", "The user likes to ski", "Lake Tahoe is a skier's dream"],
        [
            tool_call("update_user_memory", task="The user's name is Ava and she likes to ski"),
            tool_calls(
                ("add_memory", {"memory": "The user's name is Ava", "topics": ["name"]}),
                ("add_memory", {"memory": "The user likes to ski", "topics": ["hobbies"]}),
            ),
            "Nice to meet you, Ava!",
            "No changes",
            "Lake Tahoe is a skier's dream within four hours.",
            "No changes",
        ],
    ),
    "Memories about John Doe:": Example(
        [
            "Memories about John Doe:",
            "The user likes to hike in the mountains on weekends",
            "Memories about John Doe:\n[]",
        ],
        [
            "Hiking in the mountains sounds great!",
            tool_calls(
                ("add_memory", {"memory": "The user's name is John Doe"}),
                ("add_memory", {"memory": "The user likes to hike in the mountains on weekends"}),
            ),
            "You like to hike in the mountains on weekends.",
            "No changes",
            "Done: I have forgotten everything about you.",
            tool_call("clear_memory"),
        ],
    ),
    "I'm vegetarian": Example(
        ["Try a lentil curry.", "A chickpea salad.", "['The user is vegetarian']"],
        [
            "Try a lentil curry.",
            tool_call("add_memory", memory="The user is vegetarian", topics=["diet"]),
            "A chickpea salad.",
            "No changes",
        ],
    ),
    "flush_memories(memory)": Example(
        [
            "Welcome to Oslo!\nLovely.\nGood luck with the new jobs!\n[('s1', 3)]",
            "['The user moved to Oslo', 'The user lives with a partner', "
            "'The user starts a new job in May']",
        ],
        [
            "Welcome to Oslo!",
            "Lovely.",
            "Good luck with the new jobs!",
            tool_calls(
                ("add_memory", {"memory": "The user moved to Oslo"}),
                ("add_memory", {"memory": "The user lives with a partner"}),
                ("add_memory", {"memory": "The user starts a new job in May"}),
            ),
        ],
    ),
    "ScriptedChatModel(": Example([]),
    "get_sync_client": Example([], covered_by="tests/test_studio.py"),
    "create_app(memory, keys=keys)": Example(
        ["added: 201 The user likes tea", "found: ['The user likes tea']", "bob's memories: 403"]
    ),
    "tmp/sessions.db": Example(["Hello!"], ["Hello!"]),
    "enable_session_summaries=True": Example(
        [
            "Ava plans an Alps hike in July with her sister; she asked what to pack. "
            "['hiking', 'travel'] 3",
            "['Ava plans an Alps hike in July with her sister; she asked what to pack.']",
            "['created', 'updated', 'updated']",
        ],
        [
            "Lovely! Which month?",
            '{"summary": "Ava plans an Alps hike.", "topics": ["hiking"]}',
            "July is a good month for it.",
            '{"summary": "Ava plans an Alps hike in July with her sister.", '
            '"topics": ["hiking", "travel"]}',
            "Layers, rain gear and good boots.",
            '{"summary": "Ava plans an Alps hike in July with her sister; she asked what to '
            'pack.", "topics": ["hiking", "travel"]}',
        ],
    ),
    "PostgresMemoryDb.from_conn_string": Example(
        ["['The user works night shifts at a bakery']"],
        [
            "Sounds like early mornings!",
            tool_call("add_memory", memory="The user works night shifts at a bakery"),
        ],
        postgres=True,
    ),
    "middleware=[MemoryMiddleware(memory)]": Example(
        ["['The user is vegetarian']", "Try a lentil curry."],
        [
            "Noted!",
            tool_call("add_memory", memory="The user is vegetarian", topics=["diet"]),
            "Try a lentil curry.",
            "No changes",
        ],
    ),
    "UserMemoryMiddleware(memory)": Example(
        ["Try a lentil curry."], ["Try a lentil curry.", "No changes"]
    ),
    "tools=create_memory_tools(memory)": Example(
        ["['The user is allergic to kiwi']"],
        [
            tool_call("update_user_memory", task="The user is allergic to kiwi"),
            tool_call("add_memory", memory="The user is allergic to kiwi", topics=["health"]),
            "Got it, no kiwi.",
        ],
    ),
    "recall_memories_node(": Example(
        ["Lisbon is lovely!", "Try Sintra, 30 minutes from Lisbon."],
        [
            "Lisbon is lovely!",
            tool_call("add_memory", memory="The user lives in Lisbon"),
            "Try Sintra, 30 minutes from Lisbon.",
            "No changes",
        ],
    ),
    "checkpointer=True": Example(
        ["Nice to meet you, Ava!", '["The user\'s name is Ava"]'],
        ["Nice to meet you, Ava!", tool_call("add_memory", memory="The user's name is Ava")],
    ),
    "# Create a memory instance with persistent storage": Example([]),
    "# Replace it": Example(["The user's name is Verna Doe"]),
    "get_memory_history": Example(
        [
            "added None -> The user lives in Paris (api)",
            "updated The user lives in Paris -> The user lives in Oslo (api)",
            "deleted The user lives in Oslo -> None (api)",
            "['The user likes chess']",
        ]
    ),
    "first_n": Example(
        [
            "John Doe's last_n memories:\n0: The user enjoys reading science fiction novels",
            "John Doe's first_n memories:\n0: The user enjoys hiking in the mountains on weekends",
            "John Doe's keyword matches:\n0: The user enjoys hiking in the mountains on weekends\n",
        ]
    ),
    "aadd_user_memory": Example(["The user likes green tea"]),
    "I enjoy hiking in the mountains on weekends,": Example(
        [
            "John Doe's memories:\n0: The user enjoys hiking in the mountains on weekends - "
            "['hobbies', 'outdoors']\n1: The user meditates in the mornings - ['wellbeing']"
        ],
        [
            tool_calls(
                (
                    "add_memory",
                    {
                        "memory": "The user enjoys hiking in the mountains on weekends",
                        "topics": ["hobbies", "outdoors"],
                    },
                ),
                (
                    "add_memory",
                    {"memory": "The user meditates in the mornings", "topics": ["wellbeing"]},
                ),
            )
        ],
    ),
    "Send a history of messages": Example(
        [
            "Jane Doe's memories:\n0: The user's name is Jane Doe - ['name']\n"
            "1: The user likes to play chess - ['hobbies']\n2 changes, 0 refused"
        ],
        [
            tool_calls(
                ("add_memory", {"memory": "The user's name is Jane Doe", "topics": ["name"]}),
                ("add_memory", {"memory": "The user likes to play chess", "topics": ["hobbies"]}),
            )
        ],
    ),
    "Forget my address": Example(
        ["['The user likes to ski']"], [tool_call("delete_memory", memory_id="m1")]
    ),
    "Which violin does she play now?": Example(
        [
            "hybrid ['Zoë was moved up to first violin in the orchestra',",
            "- Zoë is allergic to kiwi",
        ]
    ),
    "class Down": Example(["keyword the embedding model failed: ConnectionError("]),
    "reembed_memories(user_id": Example(["refused: 1 memories", "re-embedded 1", "The user skis"]),
    "dedupe_user_memories(": Example(
        ["The user really loves fly fishing <- ['The user loves fly fishing']", "2"]
    ),
    "import_agno_memories(": Example(
        [
            "Agno 1.x memory v2 {'ava': ['m1']}",
            "refused m2 - memory is not a plain Python literal, so it was not evaluated",
            "{}",
            "[('m1', 'The user likes to ski', ['hobbies'])]",
        ]
    ),
    "clock=lambda: now + timedelta(days=4)": Example(
        [
            "The user is in Rome - expires in 3 days",
            "The user is vegetarian - expires in 365 days",
            "['The user is vegetarian']",
        ]
    ),
    'topics=["diet", "music"]': Example(
        [
            "['The user is vegetarian', 'The user likes jazz']\n['The user plays jazz piano']\n3",
        ]
    ),
    'for_agent("planner")': Example(
        ["['The user plans a trip to Lisbon in May']", '["The user\'s name is Ava"]', "[]"]
    ),
    "I'm in Rome until Friday, then home to Oslo.": Example(
        [
            f"The user is in Rome | expires: {FRIDAY}",
            "The user lives in Oslo | expires: None",
        ],
        [
            tool_calls(
                (
                    "add_memory",
                    {
                        "memory": "The user is in Rome",
                        "topics": ["travel"],
                        "expires_at": FRIDAY.isoformat(),
                    },
                ),
                ("add_memory", {"memory": "The user lives in Oslo", "topics": ["home"]}),
            )
        ],
    ),
    'print("Refused:", error)': Example(
        ["Refused: this session belongs to another user", "Erased 1 memory and 1 session"],
        ["Hello Ava!"],
    ),
    "memory model tokens:": Example(
        [
            "memory model tokens: ",
            "update_memory apply_user_memory_ops",
            "memory_agent.learn create_user_memories",
        ],
        [tool_call("add_memory", memory="The user loves pistachio ice cream")],
    ),
    "new_backend conforms": Example(["new_backend conforms"]),
    "print(MyMemoryDb.apply.body, MyMemoryDb.aapply.body)": Example(["_apply _apply"]),
    "print(issubclass(MyHostingDb, SessionHost))": Example(["True"]),
    "Hi! I'm Ava, and I don't eat meat.": Example(
        [
            "Nice to meet you, Ava!\nHow about a mushroom risotto?",
            "[\"The user's name is Ava\", 'The user is vegetarian']\nThe user is vegetarian",
        ],
        [
            "Nice to meet you, Ava!",
            tool_calls(
                ("add_memory", {"memory": "The user's name is Ava", "topics": ["name"]}),
                ("add_memory", {"memory": "The user is vegetarian", "topics": ["diet"]}),
            ),
            "How about a mushroom risotto?",
            "No changes",
        ],
    ),
    "create_memory_tools(StoreMemory()": Example(
        ["Noted: dark mode.", "You like dark mode.", "['The user prefers dark mode']"],
        [
            tool_call("update_user_memory", task="The user prefers dark mode"),
            tool_call("add_memory", memory="The user prefers dark mode", topics=["preferences"]),
            "Noted: dark mode.",
            tool_call("search_user_memories", query="dark mode"),
            "You like dark mode.",
        ],
    ),
    "Keep only what the user says about food.": Example(
        ["added -> The user can't stand coriander"],
        [tool_call("add_memory", memory="The user can't stand coriander", topics=["food"])],
    ),
    "inbox.add_pending_messages(": Example(
        [
            "[('chat-1', 2)]",
            "['The user uses a standing desk', 'The user works from home on Fridays'] []",
        ],
        [
            tool_calls(
                ("add_memory", {"memory": "The user uses a standing desk"}),
                ("add_memory", {"memory": "The user works from home on Fridays"}),
            )
        ],
    ),
    "The user keeps bees on the roof": Example(
        [
            "semantic ['The user keeps bees on the roof']",
            "[('memories', 'ava', 'history'), ('memories', 'ava', 'items'), "
            "('memories', 'ava', 'meta')]",
        ]
    ),
    'retrieval_method="agentic"': Example(
        ["John Doe's found memories:\n0: The user enjoys hiking in the mountains on weekends\n"],
        ['{"memory_ids": ["m1"]}'],
    ),
}


def example_for(code: str) -> Example:
    matches = [example for marker, example in EXAMPLES.items() if marker in code]
    assert len(matches) == 1, f"no single expectation for this block:\n{code}"
    return matches[0]


def test_every_example_is_checked() -> None:
    assert len(BLOCKS) == len(EXAMPLES)
    for _, code in BLOCKS:
        example_for(code)


@pytest.mark.parametrize("code", [code for _, code in BLOCKS], ids=[name for name, _ in BLOCKS])
def test_example_runs(
    request: pytest.FixtureRequest,
    code: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    openai_server: OpenAIServer,
    gemini_server: GeminiServer,
) -> None:
    monkeypatch.chdir(tmp_path)
    if example_for(code).postgres:
        monkeypatch.setenv("MEMORY_AGENT_DB", request.getfixturevalue("postgres_test_url"))
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.url + "/v1")
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", gemini_server.url)
    example = example_for(code)
    if example.covered_by:
        pytest.skip(f"needs a running langgraph dev server; {example.covered_by} makes these calls")
    server = gemini_server if '"google_genai:' in code else openai_server
    server.script(*example.replies)
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    runpy.run_path(str(script), run_name="__main__")
    out = capsys.readouterr().out
    for line in example.prints:
        assert line in out
    assert len(server.requests) == len(example.replies)
