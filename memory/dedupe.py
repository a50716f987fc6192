"""Near-duplicate memories: found by shared words, merged into the newest of each group.

Exact duplicates (same words) never get stored twice (see `memory.planner`);
this finds the ones worded slightly differently ("loves fly fishing" and "really
loves fly fishing"). Facts that changed ("has four chickens", "has two chickens")
differ in the word that matters and are not merged.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from memory.db.view import MemoryReader
from memory.errors import InvalidInputError
from memory.retrieval import MemoryWriter
from memory.schema import (
    MAX_TOPICS,
    DeleteMemory,
    MemoryOp,
    ReplaceMemory,
    UserMemory,
    WriteContext,
)
from memory.text import content_words
from memory.twins import Io

DEFAULT_THRESHOLD = 0.75
"""Jaccard similarity of content words from which two memories count as one fact."""


@dataclass(frozen=True)
class DuplicateGroup:
    keep: UserMemory
    """The most recently updated memory of the group; it takes every topic of the others."""
    duplicates: list[UserMemory]


def near_duplicate_groups(
    memories: list[UserMemory], threshold: float = DEFAULT_THRESHOLD
) -> list[DuplicateGroup]:
    """Groups of memories whose content words overlap by at least `threshold` (Jaccard).

    Pairs are found by prefix filtering (two sets that similar must share one of
    their rarest words), so a user with 10,000 memories is not compared pair by pair.
    """
    if not 0 < threshold <= 1:
        raise InvalidInputError("threshold must be above 0 and at most 1")
    sets = [content_words(m.memory) for m in memories]
    frequency = Counter(word for words in sets for word in words)
    index: defaultdict[str, list[int]] = defaultdict(list)
    parent = list(range(len(memories)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, words in enumerate(sets):
        rarest = sorted(words, key=lambda w: (frequency[w], w))
        prefix = rarest[: len(rarest) - math.ceil(threshold * len(rarest)) + 1]
        candidates = {j for word in prefix for j in index[word]}
        for j in candidates:
            union = len(words | sets[j])
            if union and len(words & sets[j]) / union >= threshold:
                parent[root(i)] = root(j)
        for word in prefix:
            index[word].append(i)
    groups: defaultdict[int, list[UserMemory]] = defaultdict(list)
    for i, memory in enumerate(memories):
        groups[root(i)].append(memory)
    found = []
    for members in groups.values():
        if len(members) > 1:
            members.sort(key=_updated, reverse=True)
            found.append(DuplicateGroup(members[0], members[1:]))
    found.sort(key=lambda group: _updated(group.keep), reverse=True)
    return found


def _updated(memory: UserMemory) -> str:
    moment = memory.updated_at or memory.created_at
    return moment.isoformat() if moment else ""


async def dedupe(
    io: Io,
    reader: MemoryReader,
    writer: MemoryWriter,
    user_id: str,
    apply: bool,
    threshold: float,
    source: str,
    at: datetime,
) -> list[DuplicateGroup]:
    """Find the user's near-duplicate groups; with `apply`, merge each in one transaction
    made at `at`."""
    memories = await io.call(reader.list_memories, reader.alist_memories, user_id)
    groups = near_duplicate_groups(memories, threshold)
    if apply:
        for group in groups:
            topics = [t for m in (group.keep, *group.duplicates) for t in m.topics]
            kept = group.keep.model_copy(
                update={"topics": list(dict.fromkeys(topics))[:MAX_TOPICS]}
            )
            ops: list[MemoryOp] = [
                ReplaceMemory(str(group.keep.memory_id), kept),
                *(DeleteMemory(str(m.memory_id)) for m in group.duplicates),
            ]
            context = WriteContext(
                source, input=f"near-duplicates merged into {kept.memory_id}", at=at
            )
            await writer.write(io, user_id, ops, context)
    return groups
