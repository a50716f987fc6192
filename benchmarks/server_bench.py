"""`memory-agent serve` under load, as JSON: requests/s, latency per endpoint, errors, lost writes.

Run by hand: `uv run python -m benchmarks.server_bench [--seconds 60] [--backends sqlite,postgres]`.

For each backend (a SQLite file in a temporary directory; PostgreSQL in a schema made
for the run and dropped after it) the script seeds `--users` users with a few memories,
starts `memory-agent serve` on 127.0.0.1 with one admin key, and runs `--clients`
concurrent async HTTP clients for `--seconds`, each mixing list, search, add and update
requests. Client i writes only to its own users, so the text each memory must have at
the end is known: after the server stops, the database is read directly and every
acknowledged add or update that is missing or overwritten counts as a lost write.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

from memory import Memory, PostgresMemoryDb, SqliteMemoryDb
from memory.db.base import MemoryDb

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
KEY = "bench-admin-key-0123456789"
SEEDED_PER_USER = 5
MIX = (("list", 40), ("search", 30), ("add", 15), ("update", 15))
WORDS = ("tea", "coffee", "skiing", "Rome", "Berlin", "cats", "jazz", "running", "chess", "bread")


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    """Failed requests per endpoint and cause: an HTTP status, or the client's exception."""
    expected: dict[tuple[str, str], str] = field(default_factory=dict)
    """(user, memory id) -> the text the last acknowledged write gave it."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def seed(db: MemoryDb, users: list[str], tally: Tally) -> None:
    memory = Memory(db=db)
    for user in users:
        for n in range(SEEDED_PER_USER):
            text = f"The user {user} likes {WORDS[n % len(WORDS)]} (seed {n})"
            tally.expected[(user, memory.add_user_memory(text, user))] = text


@contextmanager
def served(db_spec: str) -> Iterator[str]:
    """`memory-agent serve` on `db_spec`, on a free port of 127.0.0.1; yields its URL."""
    port = free_port()
    env = os.environ | {
        "MEMORY_AGENT_API_KEYS": json.dumps({"keys": [{"key": KEY, "admin": True}]})
    }
    script = str(Path(sys.executable).with_name("memory-agent"))  # the venv's command
    command = [script, "serve", "--db", db_spec, "--port", str(port)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/memory/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"memory-agent serve did not start (exit {proc.poll()})")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def one_client(
    client: httpx.AsyncClient, mine: list[str], deadline: float, tally: Tally, seed_: int
) -> None:
    rng = random.Random(seed_)
    names = [name for name, _ in MIX]
    weights = [weight for _, weight in MIX]
    n = 0
    while time.monotonic() < deadline:
        user = rng.choice(mine)
        kind = rng.choices(names, weights)[0]
        base = f"/memory/v1/users/{user}"
        n += 1
        text = f"The user {user} now likes {rng.choice(WORDS)} (write {seed_}-{n})"
        started = time.perf_counter()
        try:
            if kind == "list":
                answer = await client.get(f"{base}/memories", params={"limit": 20})
            elif kind == "search":
                query = {"query": rng.choice(WORDS), "method": "keyword", "limit": 5}
                answer = await client.post(f"{base}/search", json=query)
            elif kind == "add":
                answer = await client.post(f"{base}/memories", json={"memory": text})
            else:
                known = [mid for (u, mid) in tally.expected if u == user]
                memory_id = rng.choice(known)
                answer = await client.patch(f"{base}/memories/{memory_id}", json={"memory": text})
        except httpx.HTTPError as error:
            tally.errors[f"{kind} {type(error).__name__}"] += 1
            continue
        tally.latencies[kind].append(time.perf_counter() - started)
        if answer.is_success:
            if kind == "add":
                tally.expected[(user, answer.json()["memory_id"])] = text
            elif kind == "update":
                tally.expected[(user, memory_id)] = text
        else:
            tally.errors[f"{kind} {answer.status_code}"] += 1


async def load(url: str, users: list[str], clients: int, seconds: float, tally: Tally) -> float:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {KEY}"}
    async with httpx.AsyncClient(
        base_url=url, headers=headers, limits=limits, timeout=60
    ) as client:
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(
            *(one_client(client, users[i::clients], deadline, tally, i) for i in range(clients))
        )
        return time.monotonic() - started


def lost_writes(db: MemoryDb, tally: Tally) -> int:
    memory = Memory(db=db)
    stored: dict[tuple[str, str], str] = {}
    for user in {u for u, _ in tally.expected}:
        stored |= {(user, str(m.memory_id)): m.memory for m in memory.get_user_memories(user)}
    return sum(stored.get(key) != text for key, text in tally.expected.items())


def percentiles(values: list[float]) -> dict[str, float]:
    if len(values) < 2:
        return {"count": len(values)}
    cuts = statistics.quantiles(values, n=100)
    return {
        "count": len(values),
        "p50_ms": round(cuts[49] * 1000, 2),
        "p95_ms": round(cuts[94] * 1000, 2),
        "p99_ms": round(cuts[98] * 1000, 2),
    }


@contextmanager
def backend(name: str, url: str) -> Iterator[tuple[str, MemoryDb]]:
    """(what `serve --db` takes, a MemoryDb on the same data) for a fresh database."""
    if name == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            path = str(Path(tmp) / "memories.db")
            sqlite = SqliteMemoryDb(db_file=path)
            try:
                yield path, sqlite
            finally:
                sqlite.close()
        return
    schema = f"server_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        try:
            spec = f"{url}?options=-csearch_path%3D{schema}"
            db = PostgresMemoryDb(spec)
            db.setup()
            try:
                yield spec, db
            finally:
                db.close()
        finally:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


def run(name: str, args: argparse.Namespace) -> dict[str, Any]:
    users = [f"user-{n:03d}" for n in range(args.users)]
    tally = Tally()
    with backend(name, args.url) as (spec, db):
        seed(db, users, tally)
        with served(spec) as url:
            elapsed = asyncio.run(load(url, users, args.clients, args.seconds, tally))
        total = sum(map(len, tally.latencies.values()))
        return {
            "requests": total,
            "requests_per_s": round(total / elapsed, 1),
            "endpoints": {kind: percentiles(tally.latencies[kind]) for kind, _ in MIX},
            "errors": dict(tally.errors),
            "writes_checked": len(tally.expected),
            "lost_writes": lost_writes(db, tally),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--url", default=DEFAULT_URL, help="PostgreSQL to make a schema in")
    args = parser.parse_args()
    results = {name: run(name, args) for name in args.backends.split(",")}
    print(
        json.dumps(
            {
                "seconds": args.seconds,
                "clients": args.clients,
                "users": args.users,
                "mix_percent": dict(MIX),
                "cpus": os.cpu_count(),
                "load_average_1min_after": round(os.getloadavg()[0], 1),
                "backends": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
