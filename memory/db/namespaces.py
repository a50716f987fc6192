"""Namespace labels of LangGraph stores, as this package writes them."""

from __future__ import annotations

from urllib.parse import quote

ARCHIVE_PREFIX = ("memory_agent", "sessions")
"""Where the runs that left a thread's window are kept, one namespace per thread."""


def namespace_label(user_id: str) -> str:
    """The user id as one namespace label, reversible with `unquote` and never shared.

    Percent-encoding is injective ("%" itself becomes "%25"); "." is encoded too
    because stores refuse it in labels, so "org/team.lead" becomes
    "org%2Fteam%2Elead", still readable in Studio's store browser.
    """
    return quote(user_id, safe="@").replace(".", "%2E")


def archive_namespace(thread_id: str) -> tuple[str, ...]:
    """The namespace of one thread's archived runs."""
    return (*ARCHIVE_PREFIX, namespace_label(thread_id))
