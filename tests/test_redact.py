"""Blanking phone numbers, ID numbers and the reporter's name in text for outside the office:
real formats from tables, random ones from hypothesis, and no false positives on report
numbers, dates, times, amounts and postcodes."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.i18n import I18n
from bot.reporting.redact import (
    ID_HIDDEN,
    NAME_HIDDEN,
    PHONE_HIDDEN,
    Identity,
    localise_placeholders,
    redact,
)

ZH = I18n("zh").translator("zh").gettext
EN = I18n("zh").translator("en").gettext


def plain(message: str) -> str:
    return message


def full_width(text: str) -> str:
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


MOBILES = [
    "13812345678",
    "138 1234 5678",
    "138-1234-5678",
    "138 - 1234 - 5678",
    "138.1234.5678",
    "1381234 5678",
    "+86 138 1234 5678",
    "+86-138-1234-5678",
    "+8613812345678",
    "0086 13812345678",
    "0086-138-1234-5678",
    "(+86)13812345678",
    "（+86）138 1234 5678",
    "86 13812345678",
    "8613812345678",
    "１３８１２３４５６７８",
    "＋８６ １３８ １２３４ ５６７８",
    "138－1234－5678",
    "199 0000 0000",
    "14712345678",
    "16601234567",
    "17700001111",
]
LANDLINES = [
    "0771-1234567",
    "0771-12345678",
    "(0771)1234567",
    "(0771) 1234567",
    "（0771）1234567",
    "0771 1234 567",
    "0771 123 4567",
    "077112345678",
    "010-12345678",
    "010 8888 6666",
    "020-87654321",
    "+86 771 1234567",
    "+86-10-12345678",
    "0086 771 1234567",
    "（０７７１）１２３４５６７",
    "0771－1234567",
]
RESIDENT_IDS = [
    "450103199003071234",
    "45010319900307123X",
    "45010319900307123x",
    "110101200012310011",
    "450103 19900307 1234",
    "450103-19900307-123X",
    "４５０１０３１９９００３０７１２３４",
    "４５０１０３１９９００３０７１２３Ｘ",
]
NOT_IDENTIFYING = [
    "R-000123",
    "R-000001 和 R-123456 是同一处",
    "/block R-000123 多次发送无关照片",
    "2026-12-02",
    "2026-12-02 13:45",
    "2026-12-02 13:45:00",
    "2026年12月2日上午10点",
    "12月2日 10:30",
    "10:00-12:00",
    "20261202",
    "02-12 08:00",
    "¥1,380.50",
    "1380元",
    "花了 1380 元，共 3 次",
    "12345 元",
    "1234567 元",
    "邮编530000",
    "530000",
    "南宁 530022",
    "第3家，门牌12号",
    "GPS 22.8167, 108.3669",
    "22.81672345, 108.36694567",
    "3 张照片，100米",
    "电话打不通",
    "1-2-3",
    "0.5 吨",
    "12:30 到 13:45",
    "2026.12.02",
    "05.12.2026",
    "第 1 周 第 3 天",
]


@pytest.mark.parametrize("number", MOBILES + LANDLINES)
def test_phone_numbers_in_real_formats_are_blanked(number: str) -> None:
    text = f"我住村口第三家，电话{number}，谢谢"
    assert redact(text, None, plain) == f"我住村口第三家，电话{PHONE_HIDDEN}，谢谢"
    assert redact(f"call {number}.", None, plain) in (
        f"call {PHONE_HIDDEN}.",
        f"call {PHONE_HIDDEN}",
    )


@pytest.mark.parametrize("number", RESIDENT_IDS)
def test_resident_id_numbers_are_blanked(number: str) -> None:
    assert redact(f"身份证{number}。", None, plain) == f"身份证{ID_HIDDEN}。"


@pytest.mark.parametrize("text", NOT_IDENTIFYING)
def test_numbers_that_identify_nobody_stay(text: str) -> None:
    assert redact(text, None, plain) == text


def test_the_example_from_the_issue_in_both_languages() -> None:
    text = "我是王芳，住村口第三家，电话13812345678"
    reporter = Identity(555001, "芳", "王")
    assert redact(text, reporter, ZH) == "我是[姓名已隐藏]，住村口第三家，电话[电话已隐藏]"
    assert redact(text, reporter, EN) == "我是[name hidden]，住村口第三家，电话[phone hidden]"
    assert redact("身份证450103199003071234", None, ZH) == "身份证[身份证号已隐藏]"


def test_redacted_once_and_shown_in_each_readers_language() -> None:
    stored = redact("王芳 13812345678 450103199003071234", Identity(555001, "王芳"), plain)
    assert stored == f"{NAME_HIDDEN} {PHONE_HIDDEN} {ID_HIDDEN}"
    assert localise_placeholders(stored, ZH) == "[姓名已隐藏] [电话已隐藏] [身份证号已隐藏]"
    assert localise_placeholders(stored, EN) == stored


NAME_CASES = [
    # (first name, last name, username, text, expected)
    ("芳", "王", None, "我是王芳", "我是[N]"),
    ("芳", "王", None, "芳王在此", "[N]在此"),
    ("芳", "王", None, "王 芳报告", "[N]报告"),
    ("王芳", None, None, "王芳报的", "[N]报的"),
    ("芳芳", "王", None, "我叫芳芳", "我叫[N]"),
    ("娜娜", "欧阳", None, "欧阳家门口，娜娜", "[N]家门口，[N]"),
    ("娜娜", "欧阳", None, "欧阳娜娜", "[N]"),
    ("阿婆", "王", None, "王阿婆说", "[N]说"),
    ("芳", "王", None, "王大爷和芳姐", "王大爷和芳姐"),  # one character alone names nobody
    ("John", "Smith", None, "John Smith here", "[N] here"),
    ("John", "Smith", None, "Smith John here", "[N] here"),
    ("John", "Smith", None, "johnsmith, SMITH", "[N], [N]"),
    ("John", "Smith", None, "Johnny and Smithers", "Johnny and Smithers"),
    ("Ann", None, "ann_w", "Ann @ann_w ann_w", "[N] [N] [N]"),
    ("Ann", None, "ann_w", "Ａｎｎ", "[N]"),
    ("Ann", None, "ann_w", "annual banner", "annual banner"),
    ("王阿婆", None, "wang_apo", "我是@wang_apo，id 555001", "我是[N]，id [N]"),
    ("王阿婆", None, "wang_apo", "R-555001 和 1555001", "R-555001 和 1555001"),
    ("A", None, None, "A bag of rubbish", "A bag of rubbish"),  # too short to look for
    ("🌸", None, None, "🌸🌸", "🌸🌸"),
]


@pytest.mark.parametrize(("first", "last", "username", "text", "expected"), NAME_CASES)
def test_the_reporters_own_name_in_every_form(
    first: str, last: str | None, username: str | None, text: str, expected: str
) -> None:
    reporter = Identity(555001, first, last, username)
    assert redact(text, reporter, plain) == expected.replace("[N]", NAME_HIDDEN)


def test_someone_elses_name_and_an_unrelated_text_stay() -> None:
    reporter = Identity(555001, "芳", "王", "wang_fang")
    text = "李四家门口堆了很多建筑垃圾，已经三天了。"
    assert redact(text, reporter, plain) == text


# -- random formats -------------------------------------------------------------------------------

CONTEXT = st.sampled_from(["", "我是", "电话", "，", "请联系", "住村口第三家，", "（", "："])
AFTER = st.sampled_from(["", "，谢谢", "。", "）", "号", " 谢谢", "\n"])
DIGITS = st.text(alphabet="0123456789", min_size=9, max_size=9)


@st.composite
def mobile_numbers(draw: st.DrawFn) -> str:
    """A mainland mobile number as people write it."""
    digits = "1" + draw(st.sampled_from("3456789")) + draw(DIGITS)
    separator = draw(st.sampled_from(["", " ", "-", " - ", ".", "－", "\u3000"]))
    grouped = draw(st.sampled_from([(3, 4, 4), (3, 8), (7, 4), (11,)]))
    parts, start = [], 0
    for size in grouped:
        parts.append(digits[start : start + size])
        start += size
    number = separator.join(parts)
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "+86-", "0086", "0086 ", "(+86)", "86 "]))
    written = prefix + number
    return full_width(written) if draw(st.booleans()) else written


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    region = draw(st.integers(110000, 659999))
    date = draw(
        st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2099, 12, 31))
    )
    serial = draw(st.integers(0, 999))
    check = draw(st.sampled_from("0123456789Xx"))
    return f"{region}{date:%Y%m%d}{serial:03d}{check}"


@given(before=CONTEXT, number=mobile_numbers(), after=AFTER)
def test_any_mobile_number_is_blanked(before: str, number: str, after: str) -> None:
    assert redact(before + number + after, None, plain) == before + PHONE_HIDDEN + after


@given(before=CONTEXT, number=resident_ids(), after=AFTER)
def test_any_resident_id_number_is_blanked(before: str, number: str, after: str) -> None:
    assert redact(before + number + after, None, plain) == before + ID_HIDDEN + after


HARMLESS = st.one_of(
    st.integers(1, 999999).map(lambda number: f"R-{number:06d}"),
    st.dates().map(lambda day: day.isoformat()),
    st.dates().map(lambda day: f"{day.year}年{day.month}月{day.day}日"),
    st.dates().map(lambda day: f"{day:%Y%m%d}"),
    st.times().map(lambda moment: f"{moment:%H:%M}"),
    st.integers(0, 9_999_999).map(lambda amount: f"{amount}元"),
    st.decimals(0, 100000, places=2).map(lambda amount: f"¥{amount}"),
    st.integers(100000, 869999).map(str),  # postcodes
    st.integers(1, 500).map(lambda count: f"第{count}家"),
)
WORDS = st.sampled_from(["，", "。", "在", "于", "共", "、", "和", "到", "；"])


@given(st.lists(st.tuples(HARMLESS, WORDS), min_size=1, max_size=6))
def test_report_numbers_dates_times_amounts_and_postcodes_are_never_blanked(
    pieces: list[tuple[str, str]],
) -> None:
    text = "".join(piece + word for piece, word in pieces)
    assert redact(text, None, plain) == text


SURNAMES = st.sampled_from(["王", "李", "韦", "黄", "欧阳", "覃", "陆"])
GIVEN = st.text(alphabet="芳娜明强秀英丽华建国", min_size=1, max_size=2)


@given(surname=SURNAMES, given_name=GIVEN, before=CONTEXT, after=AFTER, spaced=st.booleans())
def test_a_cjk_name_in_either_order_is_blanked(
    surname: str, given_name: str, before: str, after: str, spaced: bool
) -> None:
    reporter = Identity(555001, given_name, surname)
    gap = " " if spaced else ""
    for written in (surname + gap + given_name, given_name + gap + surname):
        assert redact(before + written + after, reporter, plain) == before + NAME_HIDDEN + after
