"""PostgreSQL keyword ranking while other workers write the same user's memories."""

from __future__ import annotations

import threading
from collections.abc import Callable

from memory import Memory, PostgresMemoryDb

WRITERS, SEARCHERS, WRITES = 2, 2, 120


def test_searches_never_fail_while_the_user_is_written(postgres_test_url: str) -> None:
    """Statistics and candidates come from one snapshot: a memory added between two
    reads once made a keyword match count more memories than the user had, and `log`
    fail. Each worker has its own pool, as a process would; all start together at a
    barrier once connected."""
    with PostgresMemoryDb.from_conn_string(postgres_test_url) as db:
        Memory(db=db).add_user_memory("The user drinks green tea", "ava")
    barrier = threading.Barrier(WRITERS + SEARCHERS)
    written = threading.Event()
    writers_done = threading.Barrier(WRITERS, action=written.set)
    failures: list[BaseException] = []
    searches: list[int] = []

    def worker(work: Callable[[Memory], None]) -> None:
        with PostgresMemoryDb.from_conn_string(postgres_test_url) as db:
            memory = Memory(db=db)
            memory.get_user_memories("ava")  # connected before the start
            barrier.wait(timeout=60)
            try:
                work(memory)
            except BaseException as error:  # every failure is reported, not just the first
                failures.append(error)

    def write(memory: Memory) -> None:
        try:
            for n in range(WRITES):
                memory.add_user_memory(
                    f"The user drank tea number {threading.get_ident()}-{n}", "ava"
                )
        finally:
            writers_done.wait(timeout=300)

    def search(memory: Memory) -> None:
        count = 0
        while not written.is_set():
            memory.search_user_memories("ava", "tea", retrieval_method="keyword")
            memory.get_memories_for_prompt("ava", "green tea", token_budget=30)
            count += 1
        searches.append(count)

    threads = [threading.Thread(target=worker, args=(write,)) for _ in range(WRITERS)]
    threads += [threading.Thread(target=worker, args=(search,)) for _ in range(SEARCHERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    assert len(searches) == SEARCHERS
    assert all(searches)
    with PostgresMemoryDb.from_conn_string(postgres_test_url) as db:
        assert len(Memory(db=db).get_user_memories("ava")) == 1 + WRITERS * WRITES
