"""The people's mediation agreement (人民调解协议书) rendered as a DOCX in the model format."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.shared import Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from fengqiao.core.printdates import chinese_number, seal_date
from fengqiao.core.printing import BODY_FONT, TITLE_FONT, docx_defaults, docx_run

__all__ = ["AgreementDoc", "PartyLine", "render_agreement"]

ROLES = {"applicant": "申请人", "respondent": "被申请人", "third_party": "第三人"}
KINDS = ("person", "organization")

TITLE = "人民调解协议书"
# Word falls back to these names for ASCII text; the East Asian names carry the Chinese.
TITLE_SIZE = Pt(22)  # 二号
INDENT = Pt(24)  # two characters of body text
COLUMN_WIDTH = Mm(78)  # half of the 156 mm between the margins
FILL_IN = "\u3000" * 10  # underlined ideographic spaces: a line to sign on

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


@dataclass(frozen=True)
class PartyLine:
    role: str  # "applicant" | "respondent" | "third_party"
    name: str  # person or organisation name
    kind: str  # "person" | "organization"
    gender: str = ""  # "男"/"女" or ""
    birth_date: str = ""  # e.g. "1968-03-02" or ""
    id_masked: str = ""  # masked ID number (for an organisation: its credit code)
    address: str = ""
    phone_masked: str = ""
    representative: str = ""  # agent of a person, or an organisation's legal representative


@dataclass(frozen=True)
class AgreementDoc:
    number: str  # e.g. "（2026）枫调字第0012号"
    committee: str  # e.g. "枫桥镇人民调解委员会"
    dispute_type: str  # Chinese label, e.g. "邻里纠纷"
    parties: list[PartyLine]
    facts: str  # 纠纷主要事实、争议事项
    terms: list[str]  # 经调解，自愿达成如下协议 — one item per term
    performance: str  # 履行方式、时限
    made_on: date
    mediators: list[str]
    place: str = ""
    copies: int = 3  # 本协议一式N份


def render_agreement(doc: AgreementDoc) -> bytes:
    """The agreement as DOCX bytes; raises ValueError when it could not be a valid agreement."""
    parties = _ordered_parties(doc)
    terms = [term.strip() for term in doc.terms]
    _validate(doc, parties, terms)

    document = Document()
    _set_up_page(document)
    _set_up_styles(document)
    document.core_properties.title = f"{TITLE} {doc.number}".strip()
    document.core_properties.language = "zh-CN"

    title = _paragraph(document, TITLE, font=TITLE_FONT, size=TITLE_SIZE, bold=True)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(12)
    number = _paragraph(document, doc.number)
    number.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    number.paragraph_format.space_after = Pt(12)

    _heading(document, "当事人：")
    for party in parties:
        _paragraph(document, _party_text(party), indent=True)
        if party.representative.strip():
            _paragraph(document, _representative_text(party), indent=True)

    if doc.dispute_type.strip():
        _labelled(document, "纠纷类型：", doc.dispute_type.strip())
    if doc.place.strip():
        _labelled(document, "调解地点：", doc.place.strip())

    _heading(document, "纠纷主要事实、争议事项：")
    _text_block(document, doc.facts)

    _heading(document, "经调解，自愿达成如下协议：")
    for index, term in enumerate(terms, start=1):
        _paragraph(document, f"{chinese_number(index)}、{term}", indent=True)

    _heading(document, "履行方式、时限：")
    _text_block(document, doc.performance)

    for clause in _standard_clauses(doc.copies):
        last_clause = _paragraph(document, clause, indent=True)
    # The signatures never stand on a page of their own, away from the text they sign.
    last_clause.paragraph_format.keep_with_next = True

    _signature_table(document, doc, parties)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# -- content ----------------------------------------------------------------------------------


def _ordered_parties(doc: AgreementDoc) -> list[PartyLine]:
    """Applicants, then respondents, then third parties; input order within each role."""
    for party in doc.parties:
        if party.role not in ROLES:
            raise ValueError(
                f"Unknown party role {party.role!r}; expected one of {', '.join(ROLES)}"
            )
        if party.kind not in KINDS:
            raise ValueError(
                f"Unknown party kind {party.kind!r} for {party.name!r}; "
                f"expected one of {', '.join(KINDS)}"
            )
    order = list(ROLES)
    return sorted(doc.parties, key=lambda party: order.index(party.role))


def _validate(doc: AgreementDoc, parties: list[PartyLine], terms: list[str]) -> None:
    roles = {party.role for party in parties}
    if "applicant" not in roles:
        raise ValueError("A mediation agreement needs at least one applicant")
    if "respondent" not in roles:
        raise ValueError("A mediation agreement needs at least one respondent")
    for party in parties:
        if not party.name.strip():
            raise ValueError(f"Every party needs a name (a {party.role} has none)")
    if not terms:
        raise ValueError("A mediation agreement needs at least one term")
    for index, term in enumerate(terms, start=1):
        if not term:
            raise ValueError(f"Term {index} of the agreement is blank")
    # The clause says every party and the committee each keep a copy.
    needed = len(parties) + 1
    if doc.copies < needed:
        raise ValueError(
            f"An agreement with {len(parties)} parties needs at least {needed} copies "
            f"(one per party and one for the committee), got {doc.copies}"
        )


def _party_text(party: PartyLine) -> str:
    role = ROLES[party.role]
    name = party.name.strip()
    if party.kind == "organization":
        fields = [
            _field("统一社会信用代码：", party.id_masked),
            _field("住所：", party.address),
            _field("联系电话：", party.phone_masked),
        ]
    else:
        birth = party.birth_date.strip()
        fields = [
            party.gender.strip(),
            f"{_written_date(birth)}出生" if birth else "",
            _field("身份证号码：", party.id_masked),
            _field("住址：", party.address),
            _field("联系电话：", party.phone_masked),
        ]
    return "，".join([f"{role}：{name}", *(field for field in fields if field)]) + "。"


def _representative_text(party: PartyLine) -> str:
    label = "法定代表人（负责人）：" if party.kind == "organization" else "代理人："
    return f"{label}{party.representative.strip()}。"


def _field(label: str, value: str) -> str:
    value = value.strip()
    return f"{label}{value}" if value else ""


def _standard_clauses(copies: int) -> list[str]:
    # Wording follows the People's Mediation Law (人民调解法), articles 29, 31 and 33.
    return [
        f"本协议一式{chinese_number(copies)}份，当事人、人民调解委员会各持一份。",
        "本协议自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章"
        "之日起生效。",
        "本协议具有法律约束力，当事人应当按照约定履行。",
        "当事人认为有必要的，可以自本协议生效之日起三十日内共同向人民法院申请司法确认。",
    ]


def _written_date(text: str) -> str:
    """1968-03-02 → 1968年3月2日; anything else is printed as given."""
    match = _ISO_DATE.fullmatch(text)
    if not match:
        return text
    year, month, day = match.groups()
    return f"{year}年{int(month)}月{int(day)}日"


# -- layout -----------------------------------------------------------------------------------


def _set_up_page(document) -> None:
    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(25), Mm(25)
        section.left_margin, section.right_margin = Mm(28), Mm(26)


def _set_up_styles(document) -> None:
    docx_defaults(document)


def _paragraph(
    container,
    text: str = "",
    *,
    font: str = BODY_FONT,
    size: Pt | None = None,
    bold: bool = False,
    indent: bool = False,
) -> Paragraph:
    paragraph = container.add_paragraph()
    if text:
        _run(paragraph, text, font=font, size=size, bold=bold)
    if indent:
        paragraph.paragraph_format.first_line_indent = INDENT
    return paragraph


_run = docx_run


def _heading(document, text: str) -> Paragraph:
    paragraph = _paragraph(document, text, bold=True)
    paragraph.paragraph_format.space_before = Pt(6)
    return paragraph


def _labelled(document, label: str, value: str) -> Paragraph:
    paragraph = document.add_paragraph()
    _run(paragraph, label, bold=True)
    _run(paragraph, value)
    paragraph.paragraph_format.space_before = Pt(6)
    return paragraph


def _text_block(document, text: str) -> None:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    # Nothing recorded: leave a line to write on rather than a missing section.
    for line in lines or [""]:
        _paragraph(document, line, indent=True)


def _signature_table(document, doc: AgreementDoc, parties: list[PartyLine]) -> None:
    """Parties sign on the left; mediators, the recorder and the seal go on the right."""
    _paragraph(document).paragraph_format.keep_with_next = True  # space before signatures
    committee_cells = _committee_blocks(doc)
    rows = max(len(parties), len(committee_cells))
    table = document.add_table(rows=rows, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER  # the default table style draws no borders
    table.autofit = False
    for index, row in enumerate(table.rows):
        if index < len(parties):
            _party_signature(row.cells[0], parties[index])
        if index < len(committee_cells):
            committee_cells[index](row.cells[1])
        for cell in row.cells:
            cell.width = COLUMN_WIDTH
        _keep_row_together(row)


def _party_signature(cell: _Cell, party: PartyLine) -> None:
    first = cell.paragraphs[0]
    _run(first, f"{ROLES[party.role]}：{party.name.strip()}")
    line = cell.add_paragraph()
    if party.kind == "organization":
        _run(line, "（盖章）")
        line = cell.add_paragraph()
        _run(line, "法定代表人（负责人）签名：")
    else:
        _run(line, "签名（盖章）/按指印：")
    _run(line, FILL_IN, underline=True)
    cell.add_paragraph()


def _committee_blocks(doc: AgreementDoc) -> list:
    def mediators(cell: _Cell) -> None:
        _run(cell.paragraphs[0], "人民调解员（签名）：")
        for name in _non_blank(doc.mediators) or [""]:
            line = cell.add_paragraph()
            _run(line, f"{name}\u3000" if name else "")
            _run(line, FILL_IN, underline=True)
        cell.add_paragraph()

    def recorder(cell: _Cell) -> None:
        _run(cell.paragraphs[0], "记录人（签名）：")
        _run(cell.add_paragraph(), FILL_IN, underline=True)
        cell.add_paragraph()

    def seal(cell: _Cell) -> None:
        _run(cell.paragraphs[0], f"{doc.committee.strip()}（印章）")
        cell.add_paragraph()
        _run(cell.add_paragraph(), seal_date(doc.made_on))

    return [mediators, recorder, seal]


def _non_blank(values: Iterable[str]) -> list[str]:
    return [value.strip() for value in values if value.strip()]


def _keep_row_together(row) -> None:
    # A party's name and the line it signs on belong on one page; so does the whole block.
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    for cell in row.cells:
        for paragraph in cell.paragraphs:
            paragraph.paragraph_format.keep_with_next = True
