"""The schema of a PostgresMemoryDb table, as append-only migrations run by `setup()`.

Each memories table records its version in `memory_agent_migrations`, so several
tables share one database or schema; a table made by a newer release is refused.
"""

from __future__ import annotations

VERSIONS_TABLE = "memory_agent_migrations"


def migrations(t: str) -> list[str]:
    """The scripts of table `t`, oldest first; a database replays those it lacks."""
    v1 = f"""
    CREATE TABLE {t}_users (
        user_id TEXT PRIMARY KEY,
        memories BIGINT NOT NULL DEFAULT 0,
        terms BIGINT NOT NULL DEFAULT 0,
        version BIGINT NOT NULL DEFAULT 0
    );
    CREATE TABLE {t} (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        memory_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        memory TEXT NOT NULL,
        topics JSONB NOT NULL,
        input TEXT,
        text_key TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        terms TEXT[] NOT NULL,
        topic_terms TEXT[] NOT NULL,
        term_count INTEGER NOT NULL,
        keywords TSVECTOR GENERATED ALWAYS AS (array_to_tsvector(terms || topic_terms)) STORED,
        UNIQUE (user_id, memory_id)
    );
    CREATE INDEX {t}_user_created ON {t} (user_id, created_at, id);
    CREATE INDEX {t}_user_updated ON {t} (user_id, updated_at, id);
    CREATE INDEX {t}_user_text ON {t} (user_id, text_key);
    CREATE INDEX {t}_keywords ON {t} USING GIN (keywords);
    CREATE TABLE {t}_history (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        memory_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        action TEXT NOT NULL,
        old_memory TEXT,
        new_memory TEXT,
        old_topics JSONB,
        new_topics JSONB,
        source TEXT NOT NULL,
        input TEXT,
        at TIMESTAMPTZ NOT NULL
    );
    CREATE INDEX {t}_history_memory ON {t}_history (user_id, memory_id, id);
    CREATE TABLE {t}_vectors (
        memory_pk BIGINT PRIMARY KEY REFERENCES {t} (id) ON DELETE CASCADE,
        user_id TEXT NOT NULL,
        model TEXT NOT NULL,
        dimensions INTEGER NOT NULL,
        vector BYTEA NOT NULL
    );
    CREATE INDEX {t}_vectors_user ON {t}_vectors (user_id);
    """
    session_summaries = f"""
    CREATE TABLE {t}_summaries (
        user_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        summary TEXT NOT NULL,
        topics JSONB NOT NULL,
        runs INTEGER NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (user_id, session_id)
    );
    CREATE INDEX {t}_summaries_updated ON {t}_summaries (user_id, updated_at);
    CREATE TABLE {t}_summary_history (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        action TEXT NOT NULL,
        old_summary TEXT,
        new_summary TEXT,
        old_topics JSONB,
        new_topics JSONB,
        source TEXT NOT NULL,
        at TIMESTAMPTZ NOT NULL
    );
    CREATE INDEX {t}_summary_history_session ON {t}_summary_history (user_id, session_id, id);
    """
    # User messages kept for deferred extraction until a batch learned from them
    # lands; a worker's claim keeps others off the thread while it learns.
    pending = f"""
    CREATE TABLE {t}_pending (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id TEXT NOT NULL,
        thread_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        text TEXT NOT NULL,
        at TIMESTAMPTZ NOT NULL,
        claim TEXT,
        claimed_until TIMESTAMPTZ,
        UNIQUE (user_id, thread_id, message_id)
    );
    CREATE INDEX {t}_pending_thread ON {t}_pending (user_id, thread_id, id)
    """
    # Agent scopes and expiry: a memory id is unique within a user's agent scope ('' is
    # the user's own), statistics are kept per scope, and history records both.
    scopes_and_expiry = f"""
    ALTER TABLE {t} ADD COLUMN agent_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE {t} ADD COLUMN expires_at TIMESTAMPTZ;
    ALTER TABLE {t} DROP CONSTRAINT {t}_user_id_memory_id_key;
    ALTER TABLE {t} ADD CONSTRAINT {t}_scope_memory_key UNIQUE (user_id, agent_id, memory_id);
    DROP INDEX {t}_user_created;
    DROP INDEX {t}_user_updated;
    DROP INDEX {t}_user_text;
    CREATE INDEX {t}_scope_created ON {t} (user_id, agent_id, created_at, id);
    CREATE INDEX {t}_scope_updated ON {t} (user_id, agent_id, updated_at, id);
    CREATE INDEX {t}_scope_text ON {t} (user_id, agent_id, text_key);
    CREATE INDEX {t}_scope_expires ON {t} (user_id, agent_id, expires_at)
        WHERE expires_at IS NOT NULL;
    ALTER TABLE {t}_history ADD COLUMN agent_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE {t}_history ADD COLUMN expires_at TIMESTAMPTZ;
    DROP INDEX {t}_history_memory;
    CREATE INDEX {t}_history_memory ON {t}_history (user_id, agent_id, memory_id, id);
    ALTER TABLE {t}_users ADD COLUMN agent_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE {t}_users DROP CONSTRAINT {t}_users_pkey;
    ALTER TABLE {t}_users ADD PRIMARY KEY (user_id, agent_id);
    """
    # The user each thread (session) belongs to: the user of its first run.
    thread_owners = f"""
    CREATE TABLE {t}_threads (
        thread_id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        claimed_at TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    CREATE INDEX {t}_threads_user ON {t}_threads (user_id)
    """
    old_pending_key = _default_name(f"{t}_pending", "user_id_thread_id_message_id", "key")
    # Pending messages belong to the agent scope that recorded them ('' is the user's
    # own, as for rows from before); one message id may be pending once per scope.
    pending_scopes = f"""
    ALTER TABLE {t}_pending ADD COLUMN agent_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE {t}_pending DROP CONSTRAINT {old_pending_key};
    ALTER TABLE {t}_pending ADD CONSTRAINT {t}_pending_scope_message_key
        UNIQUE (user_id, agent_id, thread_id, message_id);
    DROP INDEX {t}_pending_thread;
    CREATE INDEX {t}_pending_thread ON {t}_pending (user_id, agent_id, thread_id, id)
    """
    # Keyword candidates through an index of each term prefixed by its scope (a hash of
    # user and agent), so a search reads the postings of its own user's memories only,
    # not every user's that holds the word; the unscoped tsvector and its index go.
    scoped_terms = f"""
    CREATE FUNCTION {t}_scoped_terms(user_id TEXT, agent_id TEXT, terms TEXT[]) RETURNS TEXT[]
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT ARRAY(SELECT DISTINCT left(md5(user_id || '/' || agent_id), 16) || '/' || term
        FROM unnest(terms) AS term) $$;
    CREATE INDEX {t}_scoped_terms ON {t}
        USING GIN ({t}_scoped_terms(user_id, agent_id, terms || topic_terms));
    DROP INDEX {t}_keywords;
    ALTER TABLE {t} DROP COLUMN keywords
    """
    return [
        v1,
        session_summaries,
        pending,
        scopes_and_expiry,
        thread_owners,
        pending_scopes,
        scoped_terms,
    ]


def _default_name(table: str, columns: str, label: str) -> str:
    """The name PostgreSQL gave a constraint made without one: `<table>_<columns>_<label>`,
    the longer of table and columns cut first until it fits in 63 bytes."""
    room = 63 - len(label) - 2
    kept_table, kept_columns = len(table), len(columns)
    while kept_table + kept_columns > room:
        if kept_table > kept_columns:
            kept_table -= 1
        else:
            kept_columns -= 1
    return f"{table[:kept_table]}_{columns[:kept_columns]}_{label}"


def statements(script: str) -> list[str]:
    """A script's statements (none of them holds a semicolon inside)."""
    return [s.strip() for s in script.split(";") if s.strip()]
