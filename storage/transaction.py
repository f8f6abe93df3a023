"""The unit of work services and repositories share: `Transaction`, its rows and its results.

A service opens one with `async with storage.transaction() as tx:` and passes `tx` to every
repository (and to the outbox and the audit log) that takes part in the change; everything
commits together when the block ends, or nothing does if it raises. These are protocols, so
that a second database backend provides its own implementation behind the same names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

Params = Sequence[object] | Mapping[str, object]
"""Values for a statement's `?` (a sequence) or `:name` (a mapping) placeholders."""


class Row(Protocol):
    """One result row, read by column name only (never by position)."""

    def __getitem__(self, name: str, /) -> Any: ...

    def keys(self) -> list[str]: ...


@dataclass(frozen=True)
class Changed:
    """What a write statement did: how many rows it touched, and the id it inserted."""

    rowcount: int
    lastrowid: int | None


class Transaction(Protocol):
    """An open unit of work: statements run in it see its own uncommitted writes."""

    async def execute(self, sql: str, params: Params = ()) -> Changed:
        """Run one write statement."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one write statement once per set of values."""
        ...

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of a query, inside this transaction."""
        ...

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        """Every row of a query, inside this transaction."""
        ...


class TransactionClosed(RuntimeError):
    """A transaction was used after its block ended (committed or rolled back)."""


class NestedTransaction(RuntimeError):
    """A coroutine that holds the transaction asked for another one: pass `tx` down instead
    (waiting for the lock it holds itself would hang forever)."""
