"""`memory-agent serve` as a user starts it: a real process on a real port."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.studio_server import free_port

KEY = "ops-key-0123456789abc"


@contextmanager
def serving(args: list[str], env: Mapping[str, str] | None = None) -> Iterator[tuple[str, Path]]:
    """Run `memory-agent serve ARGS` until it answers on 127.0.0.1; yield its URL and log."""
    port = free_port()
    log = Path(args[args.index("--db") + 1]).with_suffix(".log")
    command = [str(Path(sys.executable).with_name("memory-agent")), "serve", *args]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*command, "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**env} if env is not None else None,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while not _answers(url):
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        yield url, log
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/memory/health", timeout=2).status_code in (200, 401)
    except httpx.TransportError:
        return False


def test_without_keys_serve_listens_on_loopback_only_and_says_so(tmp_path: Path) -> None:
    db = tmp_path / "memories.db"
    with serving(["--db", str(db), "--host", "0.0.0.0"]) as (url, log):
        added = httpx.post(f"{url}/memory/v1/users/ava/memories", json={"memory": "Likes tea"})
        assert added.status_code == 201
        said = " ".join(log.read_text().split())
    assert "listening on 127.0.0.1 only, not 0.0.0.0" in said
    assert "Uvicorn running on http://127.0.0.1:" in said
    from memory import Memory, SqliteMemoryDb

    with Memory(db=SqliteMemoryDb(db_file=db)) as memory:
        assert [m.memory for m in memory.get_user_memories("ava")] == ["Likes tea"]


def test_with_a_keys_file_serve_asks_every_caller_for_a_key(tmp_path: Path) -> None:
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"keys": [{"key": KEY, "admin": True}]}))
    args = ["--db", str(tmp_path / "memories.db"), "--keys", str(keys)]
    with serving(args) as (url, _):
        assert httpx.get(f"{url}/memory/v1/users").status_code == 401
        admin = {"Authorization": f"Bearer {KEY}"}
        assert httpx.get(f"{url}/memory/v1/users", headers=admin).json() == {"users": []}
