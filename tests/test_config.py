"""Start-up validation: one clear message naming the file and the key, exit code 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.config import ConfigError, load_config

ROOT = Path(__file__).parent.parent
MINIMAL = """
[grid]
geojson = "{geojson}"

[office]
admins = [1]

[categories.other]
label = {{ zh = "其他", en = "Other" }}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def minimal(extra: str = "") -> str:
    return MINIMAL.format(geojson=ROOT / "bot/sample/santang_grid.geojson") + extra


def test_sample_config_is_valid() -> None:
    config = load_config(ROOT / "config.toml")
    assert config.general.timezone == "Asia/Shanghai"
    assert config.general.default_language == "zh"
    assert len(config.categories) == 8
    assert config.storage.database.is_absolute()


def test_defaults_fill_the_gaps(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, minimal()))
    assert config.duplicates.radius_m == 50 and config.duplicates.window_days == 14
    assert config.grid.snap_distance_m == 300
    assert config.categories["other"].fix_hours == 72


def test_bot_token_environment_variable_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(write(tmp_path, minimal('\n[telegram]\ntoken = "from-file"\n')))
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    assert config.token == "from-file"
    monkeypatch.setenv("BOT_TOKEN", "from-env")
    assert config.token == "from-env"
    assert "from-file" not in repr(config)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("\n[general]\ncolour = 'red'\n", "general.colour: unknown key"),
        ("\n[general]\ntimezone = 'Mars/Olympus'\n", "general.timezone: unknown timezone"),
        ("\n[general]\ndefault_language = 'fr'\n", "general.default_language: must be one of"),
        ("\n[duplicates]\nradius_m = 'far'\n", "duplicates.radius_m"),
        ("\n[duplicates]\nradius_m = -5\n", "duplicates.radius_m"),
        ("\n[categories.water]\nlabel = { zh = '水' }\n", "categories.water.label.en"),
        (
            "\n[categories.water]\nlabel = { zh = '水', en = 'Water' }\ndepartment = 'nope'\n",
            "no department 'nope'",
        ),
    ],
)
def test_wrong_values_name_the_key(tmp_path: Path, extra: str, expected: str) -> None:
    path = write(tmp_path, minimal(extra))
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(path) in str(raised.value)
    assert expected in str(raised.value)


def test_missing_section_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="office: Field required"):
        load_config(write(tmp_path, minimal().replace("[office]\nadmins = [1]", "")))


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[grid\n"))


def run_bot(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "BOT_TOKEN": "123:TEST"},
    )


def test_unknown_hamlet_of_a_grid_member_exits_2_without_traceback(tmp_path: Path) -> None:
    path = write(
        tmp_path, minimal("\n[[grid_members]]\nuser_id = 5\nname = 'x'\nhamlets = ['h999']\n")
    )
    result = run_bot(path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert str(path) in result.stderr and "grid_members[0].hamlets[0]" in result.stderr
    assert "h999" in result.stderr


def test_wrong_type_exits_2_without_traceback(tmp_path: Path) -> None:
    result = run_bot(write(tmp_path, minimal("\n[grid]\n")))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "config.toml" in result.stderr


def test_unreadable_grid_file_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.format(geojson=tmp_path / "nowhere.geojson"))
    result = run_bot(path)
    assert result.returncode == 2
    assert "nowhere.geojson: file not found" in result.stderr
    assert "Traceback" not in result.stderr
