"""Keyed hashes of Telegram ids, so the abuse controls outlive a person's /forgetme.

Report limits, /join lockouts and reporting blocks are stored under HMAC-SHA256(secret, id)
instead of the id: a forgotten person who comes back gets the same key and is still limited
and still blocked, while the key alone names nobody. The secret is generated at first start
and stored in the `secrets` table, unless config's `[privacy] pepper` gives one (then only a
check value is stored, and a stolen database file cannot be used to test ids). Changing the
secret would orphan every key, so a database refuses to open under a different one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import aiosqlite

SECRET_NAME = "abuse_key"
CHECK_NAME = "abuse_key_check"
CHECK_MESSAGE = b"clean village bot: abuse key check"


class SecretMismatch(Exception):
    """The database was keyed under another secret than the one configured now."""


class AbuseKeys:
    """HMAC-SHA256 of Telegram ids under one installation's secret."""

    def __init__(self, secret: str, *, stored: bool) -> None:
        self._text = secret
        self._secret = secret.encode("utf-8")
        self._stored = stored

    def secret_to_store(self) -> str | None:
        """The secret, if it belongs in the database; None when config holds it (a pepper)."""
        return self._text if self._stored else None

    def of(self, user_id: int) -> str:
        """The key of one Telegram id: 64 hex digits, the same on every start."""
        return hmac.new(self._secret, str(int(user_id)).encode("ascii"), hashlib.sha256).hexdigest()

    def check(self) -> str:
        """A value that tells whether a database was keyed under this secret."""
        return hmac.new(self._secret, CHECK_MESSAGE, hashlib.sha256).hexdigest()

    @classmethod
    async def install(cls, connection: aiosqlite.Connection, pepper: str | None) -> AbuseKeys:
        """The keys for this database, with the SQL functions migrations use to key old rows:
        `abuse_key(id)`, `abuse_key_secret()` (NULL under a pepper) and `abuse_key_check()`."""
        stored = await _stored(connection, SECRET_NAME)
        if pepper:
            keys = cls(pepper, stored=False)
        else:
            keys = cls(stored or secrets.token_hex(32), stored=True)
        await connection.create_function("abuse_key", 1, keys.of, deterministic=True)
        await connection.create_function("abuse_key_secret", 0, keys.secret_to_store)
        await connection.create_function("abuse_key_check", 0, keys.check)
        return keys

    async def verify(self, connection: aiosqlite.Connection) -> None:
        """After the migrations: refuse a database keyed under another secret."""
        if await _stored(connection, CHECK_NAME) != self.check():
            raise SecretMismatch(
                "this database's abuse keys were made with another secret: restore the "
                "[privacy] pepper it was created with (or remove it if it was never set); "
                "a new secret would reset every report limit and reporting block"
            )


async def _stored(connection: aiosqlite.Connection, name: str) -> str | None:
    """One value of the secrets table; None if it or the table does not exist yet."""
    async with connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'secrets'"
    ) as cursor:
        if await cursor.fetchone() is None:
            return None
    async with connection.execute("SELECT value FROM secrets WHERE name = ?", (name,)) as cursor:
        row = await cursor.fetchone()
    return row[0] if row else None
