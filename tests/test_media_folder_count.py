"""The media folder's size, asked before every photo is kept: far from full a listing of the
last minute and the files kept since will do; near the limit, or a minute on, it is listed
again, so that a file put there by anything else counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.reporting import media
from bot.reporting.media import RECOUNT_SECONDS, MediaStore


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """`time.monotonic` as media.py reads it, moved by hand."""
    now = [1000.0]
    monkeypatch.setattr(media.time, "monotonic", lambda: now[0])
    return now


def test_nothing_is_known_before_the_first_listing(tmp_path: Path, clock: list[float]) -> None:
    store = MediaStore(tmp_path / "media")
    assert store.known_bytes(trusted_below=10**9) is None
    assert store.used_bytes() == 0
    assert store.known_bytes(trusted_below=10**9) == 0


def test_files_kept_since_the_listing_count_without_listing_again(
    tmp_path: Path, clock: list[float]
) -> None:
    store = MediaStore(tmp_path)
    (tmp_path / "old.jpg").write_bytes(b"\0" * 1000)
    assert store.used_bytes() == 1000
    kept = store.path_for("AgADnew", "jpg")
    kept.write_bytes(b"\0" * 250)
    store.kept(kept)
    (tmp_path / "from-elsewhere.jpg").write_bytes(b"\0" * 5000)  # not seen until a listing
    clock[0] += RECOUNT_SECONDS - 1
    assert store.known_bytes(trusted_below=10**9) == 1250


def test_a_minute_on_the_folder_is_listed_again(tmp_path: Path, clock: list[float]) -> None:
    store = MediaStore(tmp_path)
    store.used_bytes()
    (tmp_path / "from-elsewhere.jpg").write_bytes(b"\0" * 5000)
    clock[0] += RECOUNT_SECONDS
    assert store.known_bytes(trusted_below=10**9) is None
    assert store.used_bytes() == 5000


def test_near_the_limit_every_ask_lists_the_folder(tmp_path: Path, clock: list[float]) -> None:
    store = MediaStore(tmp_path)
    (tmp_path / "old.jpg").write_bytes(b"\0" * 1000)
    store.used_bytes()
    assert store.known_bytes(trusted_below=1001) == 1000
    assert store.known_bytes(trusted_below=1000) is None


def test_a_file_kept_while_the_folder_is_listed_still_counts(
    tmp_path: Path, clock: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The listing runs in a worker thread while photos are still kept on the event loop: one
    kept after the listing passed it is not lost from the figure."""
    store = MediaStore(tmp_path)
    store.used_bytes()
    listing = media.os.scandir

    def slow_listing(folder: Path) -> object:
        entries = list(listing(folder))  # the listing has passed every file there now
        late = store.path_for("AgADlate", "jpg")
        late.write_bytes(b"\0" * 700)
        store.kept(late)
        return iter(entries)

    monkeypatch.setattr(media.os, "scandir", slow_listing)
    assert store.used_bytes() == 700
    assert store.known_bytes(trusted_below=10**9) == 700
