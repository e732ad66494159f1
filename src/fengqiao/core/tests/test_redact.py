"""ID and phone numbers are starred in outgoing free text; ordinary numbers are not."""

import pytest

from fengqiao.core.redact import redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证430102199001011234号", "身份证******************号"),
        ("ID 43010219900101123X please", "ID ****************** please"),
        ("id:43010219900101123x.", "id:******************."),
        ("4301 0219 9001 0112 3X", "**** **** **** **** **"),
        ("430102-19900101-1234", "******-********-****"),
        ("旧证430102900101123", "旧证***************"),
        ("电话13812345678", "电话***********"),
        ("手机：138 1234 5678。", "手机：*** **** ****。"),
        ("138-1234-5678或13912345678", "***-****-****或***********"),
        ("+86 138 1234 5678", "+** *** **** ****"),
        ("全角１３８１２３４５６７８号", "全角***********号"),
        ("全角４３０１０２１９９００１０１１２３Ｘ", "全角******************"),
        ("座机0731-88886666", "座机****-********"),
        ("座机(0731)8888666", "座机(****)*******"),
        ("座机（0731） 88886666转", "座机（****） ********转"),
        ("卡号6222021234567890123", "卡号*******************"),
        ("call13812345678now", "call***********now"),
    ],
)
def test_numbers_are_starred_when_they_look_like_ids_or_phones(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2023年收入120000元",
        "2023 120000",
        "会议定于2024-05-01 14:30召开，地点3号楼101室",
        "补贴共计1,200,000元，覆盖356户",
        "编号 10000000001",
        "电话短号 8888",
        "2023-05-01 2024-06-30",
        "",
    ],
)
def test_ordinary_numbers_stay_when_they_are_not_ids_or_phones(text):
    assert redact(text) == text


def test_a_year_next_to_a_phone_stays_when_only_the_phone_is_starred():
    assert redact("2023 13812345678") == "2023 ***********"
    assert redact("2024-05-01 13812345678") == "2024-05-01 ***********"


def test_none_gives_empty_text():
    assert redact(None) == ""


def test_long_runs_of_groups_finish_quickly_when_input_is_hostile():
    text = "1 " * 5000 + "13812345678"
    assert redact(text).endswith("***********")
