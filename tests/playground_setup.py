"""The sample configuration made ready for a playground under test: a temporary data folder,
any free port, no browser opened, and every path absolute."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).parent.parent


def playground_config(tmp_path: Path) -> Path:
    """Write the sample config.toml, pointed at `tmp_path`, and return its path."""
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    replacements = {
        "port = 8765": "port = 0",
        'data_dir = "data/playground"': f'data_dir = "{tmp_path}/playground"',
        "open_browser = true": "open_browser = false",
        'database = "data/cleanvillage.sqlite3"': f'database = "{tmp_path}/real.sqlite3"',
        'media_dir = "data/media"': f'media_dir = "{tmp_path}/real-media"',
        '"bot/sample/': f'"{ROOT}/bot/sample/',
    }
    for old, new in replacements.items():
        assert old in text, f"config.toml no longer has {old!r}"
        text = text.replace(old, new)
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path
