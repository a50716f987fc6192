"""The SQL that lays a memories table out by user and scope.

Keyword tokens carry their user's number; a scope's memories are numbered in its
own range of row ids; history is clustered by memory (`memory.db.sqlite_schema`
runs these scripts in its migrations).
"""

from __future__ import annotations


def user_tokens(ref: str, terms: str) -> str:
    """SQL for a space-separated term list as one user's index tokens: "hike" -> "u7_hike".

    Tokens carry the user's number, so each term's doclist holds one user's memories
    and BM25 reads only their rows. `ref` and `terms` are SQL expressions.
    """
    return (
        f"CASE WHEN {terms} = '' THEN '' "
        f"ELSE 'u' || {ref} || '_' || replace({terms}, ' ', ' u' || {ref} || '_') END"
    )


def row_tokens(row: str) -> tuple[str, str]:
    """SQL for the text and topic tokens of a row ("", "old." or "new." in a trigger)."""
    return (
        user_tokens(f"{row}user_ref", f"{row}terms"),
        user_tokens(f"{row}user_ref", f"{row}topic_terms"),
    )


def history_by_memory(t: str) -> str:
    """SQL creating the history table clustered by memory, as `{t}_history_by_memory`
    (`memory.db.sqlite_schema` fills it and puts it in place of `{t}_history`).

    The table is clustered by (user, agent scope, memory id) instead of having an
    index beside it, and an event is ordered within its memory by `batch` (the
    scope's `version` that its write made) then `n` (its place in the write): each
    add wrote a row and an index entry before. `at` is microseconds since 1970 (UTC)
    rather than 32 characters of text.

    Rows written from now on leave `new_memory` and `new_topics` NULL where the event
    did not remove the memory: they equal the next event's `old_memory` and
    `old_topics`, or the memory as stored when no event follows (`SqliteMemoryDb`
    reads them back so). An add no longer copies the text it added.
    """
    return f"""
        CREATE TABLE {t}_history_by_memory (
            user_id TEXT NOT NULL,
            agent_id TEXT NOT NULL,
            memory_id TEXT NOT NULL,
            batch INTEGER NOT NULL,
            n INTEGER NOT NULL,
            action TEXT NOT NULL,
            old_memory TEXT,
            new_memory TEXT,
            old_topics TEXT,
            new_topics TEXT,
            source TEXT NOT NULL,
            input TEXT,
            at INTEGER NOT NULL,
            expires_at TEXT,
            PRIMARY KEY (user_id, agent_id, memory_id, batch, n)
        ) WITHOUT ROWID;
        """


def memories_by_scope(t: str) -> str:
    """Each scope's memories numbered from its `{t}_users` id shifted 32 bits left.

    Row ids decide where rows lie in the table: numbered in one sequence for every
    user, one user's memories were spread over the whole file, one page read per
    memory listed. Numbered by scope (in their old order, so insertion order holds),
    they lie together, and listing a scope reads its range of ids and sorts it, so
    the index by creation time goes (a listing by update time with a limit, what a
    prompt reads, keeps its index). The indexes find a scope by its number rather
    than by its user and agent ids: by update time under `user_ref`, and by text
    hash with the scope's range of row ids, which every index entry ends with.
    Vectors follow their memories, and the keyword index its rows.
    """
    text_tokens, topic_tokens = row_tokens("")
    return f"""
        INSERT INTO {t}_users (user_id, agent_id, memories, terms, version)
        SELECT user_id, agent_id, count(*), sum(term_count), 0 FROM {t}
        GROUP BY user_id, agent_id
        ON CONFLICT (user_id, agent_id) DO NOTHING;
        CREATE TEMP TABLE {t}_renumbered AS
        SELECT m.id AS old,
            (u.id << 32) + row_number() OVER (PARTITION BY u.id ORDER BY m.id) AS new
        FROM {t} m JOIN {t}_users u ON u.user_id = m.user_id AND u.agent_id = m.agent_id;
        UPDATE {t}_vectors SET memory_rowid = r.new
        FROM temp.{t}_renumbered r WHERE r.old = {t}_vectors.memory_rowid;
        UPDATE {t} SET id = r.new, user_ref = r.new >> 32
        FROM temp.{t}_renumbered r WHERE r.old = {t}.id;
        DROP TABLE temp.{t}_renumbered;
        INSERT INTO {t}_keywords ({t}_keywords) VALUES ('delete-all');
        INSERT INTO {t}_keywords (rowid, text, topics)
        SELECT id, {text_tokens}, {topic_tokens} FROM {t};
        DROP INDEX {t}_scope_created;
        DROP INDEX {t}_scope_updated;
        CREATE INDEX {t}_scope_updated ON {t} (user_ref, updated_at);
        DROP INDEX {t}_scope_text_hash;
        CREATE INDEX {t}_text_hash ON {t} (text_hash);
        """


def lean_keyword_index(t: str) -> str:
    """The keyword index rebuilt without FTS5's per-document sizes, merging sooner.

    Search reads only the tokens' instances (`{t}_keywords_vocab`) and takes lengths
    from the rows and `{t}_users`, so FTS5's own table of sizes (`columnsize`) was
    one more B-tree written by every add for nothing. With `automerge` at 2, the
    small segment each write leaves is merged as soon as it has a peer: an add
    writes fewer pages (about 5.3 to 3.9 a write in a bare FTS5 table), and a term
    is read from fewer segments.
    """
    text_tokens, topic_tokens = row_tokens("")
    return f"""
        DROP TABLE {t}_keywords_vocab;
        DROP TABLE {t}_keywords;
        CREATE VIRTUAL TABLE {t}_keywords USING fts5(
            text, topics, content='', columnsize=0, tokenize="ascii tokenchars '_'"
        );
        CREATE VIRTUAL TABLE {t}_keywords_vocab USING fts5vocab({t}_keywords, 'instance');
        INSERT INTO {t}_keywords ({t}_keywords, rank) VALUES ('automerge', 2);
        INSERT INTO {t}_keywords (rowid, text, topics)
        SELECT id, {text_tokens}, {topic_tokens} FROM {t};
        """
