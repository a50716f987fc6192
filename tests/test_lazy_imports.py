"""`import memory` leaves the heavy modules (LangChain, psycopg, the Agno importer)
unloaded until a name that needs them is used, and the `memory-agent` command loads
only what the command it runs needs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from memory import SqliteMemoryDb

HEAVY = ["psycopg", "langchain_core", "langchain.chat_models", "memory.agno"]
LISTING_UNLOADED = [*HEAVY, "langgraph.checkpoint", "langgraph.store", "sqlite_utils", "numpy"]


def _run(code: str) -> object:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(done.stdout)


def test_import_memory_loads_none_of_the_heavy_modules() -> None:
    loaded = _run(
        f"import json, sys, memory; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    assert loaded == []


def test_the_memories_command_loads_neither_langchain_nor_psycopg() -> None:
    loaded = _run(
        "import json, sys\n"
        "import graphs.cli, graphs.cli.memories\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    assert loaded == []


def test_listing_memories_of_a_migrated_file_loads_no_sessions_nor_sqlite_utils(
    tmp_path: Path,
) -> None:
    db_file = tmp_path / "memories.db"
    SqliteMemoryDb(db_file=db_file).close()  # created and migrated here, not in the command
    loaded = _run(
        "import contextlib, io, json, sys\n"
        "from graphs.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['memories', 'list', '--user', 'nobody', '--db', {str(db_file)!r}])\n"
        f"print(json.dumps([m for m in {LISTING_UNLOADED!r} if m in sys.modules]))"
    )
    assert loaded == []


def test_the_commands_help_loads_neither_rich_nor_argcomplete() -> None:
    loaded = _run(
        "import contextlib, io, json, sys\n"
        "from graphs.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])\n"
        "print(json.dumps([m for m in ['rich', 'argcomplete', 'memory'] if m in sys.modules]))"
    )
    assert loaded == []


def test_the_lazy_public_names_still_resolve() -> None:
    found = _run(
        "import json, memory\n"
        "from memory import PostgresMemoryDb, import_agno_memories\n"
        "print(json.dumps({'postgres': PostgresMemoryDb.__module__,"
        " 'agno': import_agno_memories.__module__,"
        " 'all': all(hasattr(memory, n) for n in memory.__all__),"
        " 'listed': set(memory.__all__) <= set(dir(memory))}))"
    )
    assert found == {
        "postgres": "memory.db.postgres",
        "agno": "memory.agno",
        "all": True,
        "listed": True,
    }


def test_the_array_types_still_import_from_the_backend_contract() -> None:
    import numpy as np
    import numpy.typing as npt

    from memory.db import base
    from memory.db.base import Floats, Ints, Matrix

    assert (Matrix, Floats, Ints) == (
        npt.NDArray[np.float32],
        npt.NDArray[np.float64],
        npt.NDArray[np.int64],
    )
    with pytest.raises(AttributeError, match="NoSuchThing"):
        base.NoSuchThing  # noqa: B018


def test_an_unknown_name_is_an_attribute_error() -> None:
    import memory

    with pytest.raises(AttributeError, match="NoSuchThing"):
        memory.NoSuchThing  # noqa: B018


def test_a_model_string_still_resolves_after_the_lazy_import() -> None:
    loaded = _run(
        "import json, os, sys\n"
        "os.environ['OPENAI_API_KEY'] = 'test-key'\n"
        "from memory.chat_models import resolve_chat_model\n"
        "before = 'langchain.chat_models' in sys.modules\n"
        "resolve_chat_model('openai:gpt-4.1-mini')\n"
        "print(json.dumps([before, 'langchain.chat_models' in sys.modules]))"
    )
    assert loaded == [False, True]
