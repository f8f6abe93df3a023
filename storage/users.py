"""People who have talked to the bot: their language, home hamlet and notice settings; and the
language of role holders answered before they have a row (`role_languages`)."""

from __future__ import annotations

from datetime import datetime

from storage.database import Database
from storage.transaction import Transaction


class UserRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def seen(
        self,
        user_id: int,
        first_name: str,
        username: str | None,
        now: datetime,
        language: str | None = None,
        *,
        tx: Transaction | None = None,
    ) -> None:
        """Record (or refresh) a user who just sent us something; `language` (the one they are
        answered in) is kept unless one is stored, so their notifications speak it too. With
        `tx`, inside the caller's transaction."""
        if tx is None:
            async with self._db.transaction() as own:
                await self.seen(user_id, first_name, username, now, language, tx=own)
            return
        await tx.execute(
            """INSERT INTO users (user_id, first_name, username, language, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (user_id) DO UPDATE SET first_name = excluded.first_name,
                   username = excluded.username, updated_at = excluded.updated_at,
                   language = COALESCE(users.language, excluded.language)""",
            (user_id, first_name, username, language, now.isoformat(), now.isoformat()),
        )

    async def ensure(
        self, tx: Transaction, user_id: int, now: datetime, language: str | None = None
    ) -> None:
        """The person has a row; with `language`, it is their language unless one is stored
        (a first /report must leave the language its notifications will speak)."""
        await tx.execute(
            """INSERT INTO users (user_id, language, created_at, updated_at) VALUES (?, ?, ?, ?)
               ON CONFLICT (user_id)
               DO UPDATE SET language = COALESCE(users.language, excluded.language)""",
            (user_id, language, now.isoformat(), now.isoformat()),
        )

    async def language(self, user_id: int) -> str | None:
        """The person's language: their row's, else the one kept for a role holder without
        a row (`remember_role_language`)."""
        return (await self.known_language(user_id))[1]

    async def known_language(self, user_id: int) -> tuple[bool, str | None]:
        """Whether the person has a row, and the language stored for them (for a role holder
        without a row, the one they were answered in)."""
        row = await self._db.fetch_one(
            """SELECT EXISTS (SELECT 1 FROM users WHERE user_id = :id) AS known,
                      COALESCE((SELECT language FROM users WHERE user_id = :id),
                               (SELECT language FROM role_languages WHERE user_id = :id))
                      AS language""",
            {"id": user_id},
        )
        return (bool(row["known"]), row["language"]) if row else (False, None)

    async def role_language(self, user_id: int) -> str | None:
        """The language kept for a role holder who has no row (what /mydata shows of them)."""
        row = await self._db.fetch_one(
            "SELECT language FROM role_languages WHERE user_id = ?", (user_id,)
        )
        return row["language"] if row else None

    async def remember_role_language(self, user_id: int, language: str, now: datetime) -> None:
        """Keep the language a role holder without a row was answered in, so the office's
        notifications to them speak it, without a users row (which would make them one of
        "everyone registered" for notices); a language kept before stays."""
        async with self._db.transaction() as tx:
            await tx.execute(
                """INSERT INTO role_languages (user_id, language, created_at) VALUES (?, ?, ?)
                   ON CONFLICT (user_id) DO NOTHING""",
                (user_id, language, now.isoformat()),
            )

    async def chosen_languages(self) -> dict[int, str]:
        """Everyone with a stored language (a row's wins over a role holder's kept one)."""
        kept = await self._db.fetch_all("SELECT user_id, language FROM role_languages")
        rows = await self._db.fetch_all(
            "SELECT user_id, language FROM users WHERE language IS NOT NULL"
        )
        return {row["user_id"]: row["language"] for row in [*kept, *rows]}

    async def set_language(self, user_id: int, language: str, now: datetime) -> None:
        async with self._db.transaction() as tx:
            await self.ensure(tx, user_id, now)
            await tx.execute(
                "UPDATE users SET language = ?, updated_at = ? WHERE user_id = ?",
                (language, now.isoformat(), user_id),
            )

    async def remember_language(self, user_id: int, language: str, now: datetime) -> None:
        """Store the language a known person writes in, unless one is stored (chosen with
        /lang, or remembered before); people without a row stay without one."""
        async with self._db.transaction() as connection:
            await connection.execute(
                """UPDATE users SET language = ?, updated_at = ?
                   WHERE user_id = ? AND language IS NULL""",
                (language, now.isoformat(), user_id),
            )

    async def home(self, user_id: int) -> tuple[str | None, bool]:
        """The hamlet the person lives in, and whether they were ever asked."""
        row = await self._db.fetch_one(
            "SELECT home_hamlet_id, home_asked FROM users WHERE user_id = ?", (user_id,)
        )
        return (row["home_hamlet_id"], bool(row["home_asked"])) if row else (None, False)

    async def set_home(self, user_id: int, hamlet_id: str | None, now: datetime) -> None:
        """Remember where the person lives (None: they preferred not to say)."""
        async with self._db.transaction() as tx:
            await self.ensure(tx, user_id, now)
            await tx.execute(
                """UPDATE users SET home_hamlet_id = COALESCE(?, home_hamlet_id), home_asked = 1,
                                    updated_at = ? WHERE user_id = ?""",
                (hamlet_id, now.isoformat(), user_id),
            )

    async def notices_on(self, user_id: int) -> bool:
        row = await self._db.fetch_one("SELECT notices_on FROM users WHERE user_id = ?", (user_id,))
        return bool(row["notices_on"]) if row else True

    async def set_notices_on(self, user_id: int, on: bool, now: datetime) -> None:
        async with self._db.transaction() as tx:
            await self.ensure(tx, user_id, now)
            await tx.execute(
                "UPDATE users SET notices_on = ?, updated_at = ? WHERE user_id = ?",
                (int(on), now.isoformat(), user_id),
            )

    async def subscribers(self, hamlet_ids: list[str] | None) -> list[tuple[int, str | None]]:
        """(user, language) of everyone who takes notices and can be reached; optionally only
        those living in `hamlet_ids`."""
        sql = """SELECT user_id, language FROM users
                 WHERE notices_on = 1 AND unreachable_since IS NULL"""
        if hamlet_ids is None:
            rows = await self._db.fetch_all(sql + " ORDER BY user_id")
        else:
            marks = ",".join("?" * len(hamlet_ids))
            rows = await self._db.fetch_all(
                sql + f" AND home_hamlet_id IN ({marks}) ORDER BY user_id", tuple(hamlet_ids)
            )
        return [(row["user_id"], row["language"]) for row in rows]

    async def reachable(self, user_ids: list[int]) -> list[tuple[int, str | None]]:
        """(user, language) for `user_ids`, leaving out those known to be unreachable."""
        if not user_ids:
            return []
        marks = ",".join("?" * len(user_ids))
        rows = await self._db.fetch_all(
            f"SELECT user_id, language, unreachable_since FROM users WHERE user_id IN ({marks})",
            tuple(user_ids),
        )
        kept = await self._db.fetch_all(
            f"SELECT user_id, language FROM role_languages WHERE user_id IN ({marks})",
            tuple(user_ids),
        )
        known = {row["user_id"]: row for row in rows}
        languages = {row["user_id"]: row["language"] for row in kept}
        languages |= {row["user_id"]: row["language"] for row in rows if row["language"]}
        return [
            (user_id, languages.get(user_id))
            for user_id in sorted(set(user_ids))
            if user_id not in known or known[user_id]["unreachable_since"] is None
        ]

    async def mark_unreachable(self, user_id: int, now: datetime) -> None:
        """The person blocked the bot: bulk notices skip them until they write again."""
        async with self._db.transaction() as tx:
            await self.ensure(tx, user_id, now)
            await tx.execute(
                """UPDATE users SET unreachable_since = COALESCE(unreachable_since, ?)
                   WHERE user_id = ?""",
                (now.isoformat(), user_id),
            )

    async def welcome_back(self, user_id: int) -> bool:
        """The person talked to us again: notices reach them again. True if they had been
        marked unreachable."""
        row = await self._db.fetch_one(
            "SELECT unreachable_since FROM users WHERE user_id = ?", (user_id,)
        )
        if row is None or row["unreachable_since"] is None:
            return False  # the usual case, answered without taking the write lock
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                """UPDATE users SET unreachable_since = NULL
                   WHERE user_id = ? AND unreachable_since IS NOT NULL""",
                (user_id,),
            )
        return changed.rowcount == 1

    async def import_residents(
        self, residents: list[tuple[int, str, str | None]], now: datetime
    ) -> None:
        """Register many villagers at once from a roster: (user id, hamlet id, language)."""
        stamp = now.isoformat()
        async with self._db.transaction() as tx:
            await tx.executemany(
                """INSERT INTO users (user_id, language, home_hamlet_id, home_asked, created_at,
                                      updated_at)
                   VALUES (?, ?, ?, 1, ?, ?)
                   ON CONFLICT (user_id) DO UPDATE SET home_hamlet_id = excluded.home_hamlet_id,
                       language = COALESCE(excluded.language, users.language), home_asked = 1""",
                [
                    (user_id, language, hamlet_id, stamp, stamp)
                    for user_id, hamlet_id, language in residents
                ],
            )
