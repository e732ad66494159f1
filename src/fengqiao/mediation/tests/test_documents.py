"""Tests for the people's mediation agreement DOCX: rendered, then read back with python-docx."""

import dataclasses
import io
import zipfile
from datetime import date

import pytest
from docx import Document
from docx.oxml.ns import qn

from fengqiao.mediation.documents import AgreementDoc, PartyLine, render_agreement

ZHANG = PartyLine(
    role="applicant",
    name="张三",
    kind="person",
    gender="男",
    birth_date="1968-03-02",
    id_masked="4306**********1234",
    address="浙江省诸暨市枫桥镇枫溪村3组12号",
    phone_masked="138****5678",
    representative="张小三（委托代理人）",
)
LI = PartyLine(role="respondent", name="李四", kind="person", gender="女")  # no ID on file
ESTATE = PartyLine(
    role="third_party",
    name="诸暨市枫桥某某物业管理有限公司",
    kind="organization",
    address="诸暨市枫桥镇和平路8号",
    representative="王五",
)
TERMS = [
    "被申请人李四于2026年12月10日前拆除东侧围墙超出部分，恢复通道原宽度1.5米。",
    "申请人张三自愿放弃其他赔偿要求。",
    "双方今后相互尊重，和睦相处。",
]


def make_agreement(**changes) -> AgreementDoc:
    agreement = AgreementDoc(
        number="（2026）枫调字第0012号",
        committee="枫桥镇人民调解委员会",
        dispute_type="邻里纠纷",
        parties=[ZHANG, LI, ESTATE],
        facts="被申请人加建围墙，占用申请人门前通道约0.5米。\n双方多次争执。",
        terms=TERMS,
        performance="第一项于2026年12月10日前履行完毕，村民委员会派员见证。",
        made_on=date(2026, 11, 23),
        mediators=["陈调解", "赵明"],
        place="枫溪村综治中心调解室",
        copies=4,
    )
    return dataclasses.replace(agreement, **changes)


def paragraphs(data: bytes) -> list[str]:
    """Every paragraph of the document in reading order, table cells included."""
    document = Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                texts.extend(p.text for p in cell.paragraphs)
    return texts


def full_text(data: bytes) -> str:
    return "\n".join(paragraphs(data))


def party_line(data: bytes, prefix: str) -> str:
    (line,) = [
        text for text in Document(io.BytesIO(data)).paragraphs if text.text.startswith(prefix)
    ]
    return line.text


@pytest.fixture(scope="module")
def rendered() -> bytes:
    return render_agreement(make_agreement())


def test_output_is_a_docx_zip(rendered):
    with zipfile.ZipFile(io.BytesIO(rendered)) as archive:
        assert archive.testzip() is None
        assert "word/document.xml" in archive.namelist()


def test_title_is_centred_bold_in_a_cjk_font(rendered):
    document = Document(io.BytesIO(rendered))
    title = document.paragraphs[0]
    assert title.text == "人民调解协议书"
    assert title.alignment == 1  # centre
    run = title.runs[0]
    assert run.bold
    assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"


def test_body_text_uses_a_cjk_font(rendered):
    document = Document(io.BytesIO(rendered))
    fonts = {
        run._element.rPr.rFonts.get(qn("w:eastAsia"))
        for paragraph in document.paragraphs[1:]
        for run in paragraph.runs
    }
    assert fonts == {"宋体"}


def test_page_is_a4(rendered):
    section = Document(io.BytesIO(rendered)).sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)


def test_number_is_right_aligned_under_the_title(rendered):
    number = Document(io.BytesIO(rendered)).paragraphs[1]
    assert number.text == "（2026）枫调字第0012号"
    assert number.alignment == 2  # right


def test_every_party_is_listed_by_role(rendered):
    assert party_line(rendered, "申请人：张三").startswith("申请人：张三，男，1968年3月2日出生")
    assert party_line(rendered, "被申请人：") == "被申请人：李四，女。"
    assert party_line(rendered, "第三人：").startswith("第三人：诸暨市枫桥某某物业管理有限公司")


def test_party_line_shows_masked_id_address_and_phone(rendered):
    line = party_line(rendered, "申请人：张三")
    assert "身份证号码：4306**********1234" in line
    assert "住址：浙江省诸暨市枫桥镇枫溪村3组12号" in line
    assert "联系电话：138****5678" in line
    assert "代理人：张小三（委托代理人）" in full_text(rendered)


def test_no_empty_labels_when_a_party_has_no_id_or_address(rendered):
    line = party_line(rendered, "被申请人：")
    for label in ("身份证号码", "住址", "联系电话", "出生"):
        assert label not in line
    assert "：，" not in full_text(rendered)
    assert "：。" not in full_text(rendered)


def test_organisation_shows_legal_representative_and_no_person_fields(rendered):
    text = full_text(rendered)
    assert "法定代表人（负责人）：王五" in text
    line = party_line(rendered, "第三人：")
    assert "住所：诸暨市枫桥镇和平路8号" in line
    assert "身份证号码" not in line
    assert "统一社会信用代码" not in line  # none given


def test_parties_are_ordered_applicant_respondent_third_party_when_given_out_of_order():
    data = render_agreement(make_agreement(parties=[ESTATE, LI, ZHANG]))
    texts = paragraphs(data)
    order = [
        next(i for i, t in enumerate(texts) if t.startswith(prefix))
        for prefix in ("申请人：", "被申请人：", "第三人：")
    ]
    assert order == sorted(order)


def test_sections_follow_the_model_format(rendered):
    texts = paragraphs(rendered)
    headings = [
        "当事人：",
        "纠纷主要事实、争议事项：",
        "经调解，自愿达成如下协议：",
        "履行方式、时限：",
    ]
    positions = [texts.index(heading) for heading in headings]
    assert positions == sorted(positions)
    assert "纠纷类型：邻里纠纷" in texts
    assert "调解地点：枫溪村综治中心调解室" in texts
    assert "双方多次争执。" in texts  # each line of the facts is its own paragraph


def test_terms_are_numbered_with_chinese_numerals(rendered):
    texts = paragraphs(rendered)
    assert f"一、{TERMS[0]}" in texts
    assert f"二、{TERMS[1]}" in texts
    assert f"三、{TERMS[2]}" in texts


def test_terms_past_ten_are_numbered_like_chinese_text():
    data = render_agreement(make_agreement(terms=[f"第{n}项约定" for n in range(1, 13)]))
    texts = paragraphs(data)
    assert "十、第10项约定" in texts
    assert "十一、第11项约定" in texts
    assert "十二、第12项约定" in texts


def test_copies_clause_states_the_given_count(rendered):
    assert "本协议一式四份，当事人、人民调解委员会各持一份。" in paragraphs(rendered)


def test_copies_clause_defaults_to_three_when_two_parties():
    data = render_agreement(make_agreement(parties=[ZHANG, LI], copies=3))
    assert "本协议一式三份，当事人、人民调解委员会各持一份。" in paragraphs(data)


def test_effect_and_judicial_confirmation_clauses_are_present(rendered):
    text = full_text(rendered)
    assert (
        "本协议自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效。"
    ) in text
    assert "可以自本协议生效之日起三十日内共同向人民法院申请司法确认。" in text


def test_signature_block_has_each_party_mediators_recorder_seal_and_date(rendered):
    document = Document(io.BytesIO(rendered))
    (table,) = document.tables
    left = "\n".join(row.cells[0].text for row in table.rows)
    right = "\n".join(row.cells[1].text for row in table.rows)
    for name in ("申请人：张三", "被申请人：李四", "第三人：诸暨市枫桥某某物业管理有限公司"):
        assert name in left
    assert left.count("签名（盖章）/按指印") == 2  # the two people
    assert "法定代表人（负责人）签名" in left  # the organisation
    assert "人民调解员（签名）" in right
    assert "陈调解" in right and "赵明" in right
    assert "记录人（签名）" in right
    assert "枫桥镇人民调解委员会（印章）" in right
    assert "二〇二六年十一月二十三日" in right


def test_date_is_written_in_chinese_numerals_when_single_digit_day():
    data = render_agreement(make_agreement(made_on=date(2027, 1, 5)))
    assert "二〇二七年一月五日" in full_text(data)


def test_optional_place_and_representative_left_out_when_empty():
    plain_zhang = dataclasses.replace(ZHANG, representative="")
    data = render_agreement(make_agreement(parties=[plain_zhang, LI], place="", copies=3))
    text = full_text(data)
    assert "调解地点" not in text
    assert "代理人" not in text


def test_rejects_an_agreement_when_no_applicant():
    with pytest.raises(ValueError, match="at least one applicant"):
        render_agreement(make_agreement(parties=[LI, ESTATE]))


def test_rejects_an_agreement_when_no_respondent():
    with pytest.raises(ValueError, match="at least one respondent"):
        render_agreement(make_agreement(parties=[ZHANG, ESTATE]))


def test_rejects_an_agreement_when_no_terms():
    with pytest.raises(ValueError, match="at least one term"):
        render_agreement(make_agreement(terms=[]))


def test_rejects_an_agreement_when_a_term_is_blank():
    with pytest.raises(ValueError, match="Term 2 .* blank"):
        render_agreement(make_agreement(terms=["拆除围墙。", "  "]))


def test_rejects_an_agreement_when_too_few_copies_for_every_party_and_the_committee():
    with pytest.raises(ValueError, match="at least 4 copies"):
        render_agreement(make_agreement(copies=3))


def test_rejects_a_party_when_role_or_kind_is_unknown():
    with pytest.raises(ValueError, match="Unknown party role"):
        render_agreement(make_agreement(parties=[ZHANG, LI, dataclasses.replace(LI, role="x")]))
    with pytest.raises(ValueError, match="Unknown party kind"):
        render_agreement(make_agreement(parties=[ZHANG, dataclasses.replace(LI, kind="robot")]))


def test_rejects_a_party_when_name_is_blank():
    with pytest.raises(ValueError, match="needs a name"):
        render_agreement(make_agreement(parties=[ZHANG, dataclasses.replace(LI, name=" ")]))


def test_birth_date_printed_as_given_when_not_iso():
    zhang = dataclasses.replace(ZHANG, birth_date="1968年春")
    data = render_agreement(make_agreement(parties=[zhang, LI], copies=3))
    assert "1968年春出生" in party_line(data, "申请人：")


def test_organisation_credit_code_shown_when_given():
    estate = dataclasses.replace(ESTATE, id_masked="9133**********123X")
    data = render_agreement(make_agreement(parties=[ZHANG, LI, estate]))
    assert "统一社会信用代码：9133**********123X" in party_line(data, "第三人：")


def test_rejects_an_agreement_when_more_terms_than_chinese_numbering_covers():
    with pytest.raises(ValueError, match="1 to 99"):
        render_agreement(make_agreement(terms=[f"第{n}项" for n in range(1, 101)]))
