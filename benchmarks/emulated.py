"""The sample configuration pointed at a Bot API emulator and a scratch folder."""

from __future__ import annotations

from pathlib import Path

from bot.emulator import BotApiEmulator

ROOT = Path(__file__).parent.parent


def write_config(
    folder: Path, emulator: BotApiEmulator, token: str, changes: list[tuple[str, str]]
) -> Path:
    """Write `config.toml` into `folder` with the emulator's addresses, a database and media
    folder inside `folder`, and each (old, new) text replacement of `changes` applied."""
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    for old, new in [
        ('base_url = "https://api.telegram.org/bot"', f'base_url = "{emulator.base_url}"'),
        (
            'base_file_url = "https://api.telegram.org/file/bot"',
            f'base_file_url = "{emulator.base_file_url}"',
        ),
        ('token = ""', f'token = "{token}"'),
        ('database = "data/cleanvillage.sqlite3"', f'database = "{folder}/bot.sqlite3"'),
        ('media_dir = "data/media"', f'media_dir = "{folder}/media"'),
        ('geojson = "bot/sample/', f'geojson = "{ROOT}/bot/sample/'),
        *changes,
    ]:
        text = text.replace(old, new)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path
