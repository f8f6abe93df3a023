"""/audit in words: every action the bot records reads as words in Chinese and English, with the
actor's name as the office knows them (never "?" and a bare id) and places by name."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.audit_text import ACTION_LABELS, AuditWording
from bot.core.config import Config, load_config
from bot.core.i18n import I18n
from bot.places.grid import Grid
from bot.schedules.service import ScheduleState
from storage.audit import AuditRow
from tests.conftest import ROOT, config_text_for

I18N = I18n("zh")
OFFICE_ADMIN, NABI_MEMBER, DEPUTY = 900001, 100001, 700030


def recorded_actions() -> set[str]:
    """The action of every `….audit.record(actor, action, …)` call in bot/ and handlers/;
    `f"schedule_{schedule.state}"` stands for each state an office action leaves."""
    actions: set[str] = set()
    for path in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "handlers").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and "audit" in ast.unparse(node.func.value)
            ):
                continue
            action = node.args[1]
            if isinstance(action, ast.Constant):
                actions.add(action.value)
            else:
                assert isinstance(action, ast.JoinedStr), ast.unparse(action)
                prefix = action.values[0]
                assert isinstance(prefix, ast.Constant) and prefix.value == "schedule_"
                actions |= {f"schedule_{state}" for state in ScheduleState}
                actions.discard(f"schedule_{ScheduleState.FINISHED}")  # the clock's doing
    return actions


def test_every_recorded_action_has_words() -> None:
    actions = recorded_actions()
    assert {"assign", "notice", "schedule_paused", "schedule_create"} <= actions
    assert actions <= set(ACTION_LABELS), actions - set(ACTION_LABELS)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    path = tmp_path / "config.toml"
    path.write_text(config_text_for(tmp_path), encoding="utf-8")
    return load_config(path)


def wording(config: Config, language: str) -> AuditWording:
    names = {DEPUTY: "副主任"}
    grid = Grid.load(config.grid.geojson)
    return AuditWording(config, grid, I18N.translator(language), language, names)


def entry(actor_id: int, action: str, subject: str = "", detail: str = "") -> AuditRow:
    return AuditRow(1, datetime(2026, 12, 2, 2, 0, tzinfo=UTC), actor_id, action, subject, detail)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_each_action_reads_in_the_readers_language(config: Config, language: str) -> None:
    translate = I18N.translator(language).gettext
    for action, label in ACTION_LABELS.items():
        line = wording(config, language).line(entry(OFFICE_ADMIN, action, "#1"))
        assert translate(label) in line
        assert language == "en" or (translate(label) != label and action not in line)


def test_actors_and_places_by_the_names_the_office_knows(config: Config) -> None:
    zh, en = wording(config, "zh"), wording(config, "en")
    paused = entry(OFFICE_ADMIN, "schedule_paused", "#1")
    assert zh.line(paused) == "12月2日 周三 10:00 · 美丽办管理员 #1 · 暂停了提醒计划 #1"
    assert (
        en.line(paused) == "Wed 2 Dec 10:00 · town cleaning office admin #1 · paused a schedule #1"
    )
    assigned = zh.line(entry(NABI_MEMBER, "assign", "R-000001", "h01"))
    assert "韦建国" in assigned and "那笔坡" in assigned and "h01" not in assigned
    invited = en.line(entry(DEPUTY, "invite", "#3", "grid_member h01,h02"))
    assert "副主任" in invited and "grid member: 那笔坡, 岭头坡" in invited
    assert "#555001" in zh.line(entry(555001, "join", "#3"))  # a stranger: neutral, no name


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_retried_delivery_says_why_in_our_words(config: Config, language: str) -> None:
    """The refused part or the cause, never Telegram's own text; an entry written before the
    audit kept our terms reads by its cause too."""
    _ = I18N.translator(language).gettext
    line = wording(config, language).line
    refused = line(entry(OFFICE_ADMIN, "retry_delivery", "R-000001", "refused photo"))
    assert _("Telegram refused the {part}.").format(part=_("photo")) in refused
    blocked = line(entry(OFFICE_ADMIN, "retry_delivery", "R-000001", "gave_up blocked"))
    assert _("they blocked the bot") in blocked
    older = line(entry(OFFICE_ADMIN, "retry_delivery", "#7", "Bad Request: chat not found"))
    assert _("the chat no longer exists") in older and "Bad Request" not in older
