"""Printed forms (交办单, 督办单, 告知书, 意见书…): one model of a form, rendered as DOCX (to edit
and print) or as PDF (printer-ready). The PDF uses reportlab's built-in CID font STSong-Light,
which every PDF reader supplies, so no font file is shipped or needed."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from fengqiao.core.printdates import seal_date
from fengqiao.core.textsafe import xml_safe

__all__ = ["DOCX", "PDF", "PrintForm", "Signature", "render_docx", "render_pdf", "render"]

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
FORMATS = {"docx": DOCX, "pdf": PDF}

LATIN_FONT = "Times New Roman"
BODY_FONT = "宋体"
TITLE_FONT = "黑体"
BODY_SIZE = Pt(12)  # 小四
PDF_FONT = "STSong-Light"
FILL_IN = "\u3000" * 8  # underlined ideographic spaces: a line to write or sign on


@dataclass(frozen=True)
class Signature:
    """A place to sign: what signs (e.g. 承办单位签收), a name printed beside it if known,
    and a date line."""

    label: str
    name: str = ""
    dated: bool = True


@dataclass(frozen=True)
class PrintForm:
    """A form as printed: the issuing unit and title, the document number, an addressee and
    letter paragraphs (notices) and/or a table of label → value rows (orders), closing lines,
    the seal (unit name and date, bottom right) and the signature lines."""

    title: str
    issuer: str
    number: str
    addressee: str = ""
    paragraphs: Sequence[str] = ()
    table: Sequence[tuple[str, str]] = ()
    closing: Sequence[str] = ()
    seal: tuple[str, date] | None = None
    signatures: Sequence[Signature] = ()
    footnote: str = ""
    subject: str = field(default="")  # the record it was made from, for the file's properties


def render(form: PrintForm, fmt: str) -> bytes:
    """The form as `fmt` ("docx" or "pdf")."""
    if fmt == "pdf":
        return render_pdf(form)
    if fmt == "docx":
        return render_docx(form)
    raise ValueError(f"Unknown format {fmt!r}")


# --- DOCX ----------------------------------------------------------------------------------


def render_docx(form: PrintForm) -> bytes:
    document = Document()
    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(25), Mm(25)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
    docx_defaults(document)
    document.core_properties.title = f"{form.title} {form.number}".strip()
    document.core_properties.subject = form.subject
    document.core_properties.language = "zh-CN"

    if form.issuer:
        _docx_line(document, form.issuer, size=Pt(16), font=TITLE_FONT, align="center")
    _docx_line(document, form.title, size=Pt(22), font=TITLE_FONT, bold=True, align="center")
    _docx_line(document, form.number, align="right").paragraph_format.space_after = Pt(12)
    if form.addressee:
        _docx_line(document, form.addressee)
    for text in form.paragraphs:
        _docx_line(document, text, indent=True)
    if form.table:
        _docx_table(document, form.table)
    for text in form.closing:
        _docx_line(document, text, indent=True)
    if form.seal is not None:
        _docx_line(document, "")
        _docx_line(document, f"{form.seal[0]}（印章）", align="right")
        _docx_line(document, seal_date(form.seal[1]), align="right")
    if form.signatures:
        _docx_line(document, "")
        table = document.add_table(rows=len(form.signatures), cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for row, signature in zip(table.rows, form.signatures, strict=True):
            docx_run(row.cells[0].paragraphs[0], f"{signature.label}：{signature.name}")
            line = row.cells[1].paragraphs[0]
            docx_run(line, "签名：")
            docx_run(line, FILL_IN, underline=True)
            if signature.dated:
                docx_run(line, "\u3000\u3000年\u3000\u3000月\u3000\u3000日")
    if form.footnote:
        _docx_line(document, "")
        _docx_line(document, form.footnote, size=Pt(10.5))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_defaults(document) -> None:
    """Named CJK fonts and zh-CN where everything inherits (python-docx's template names
    theme fonts and an en-US East Asian language), 1.5 line spacing, no paragraph gaps."""
    rpr = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    rpr = rpr.find(qn("w:rPr"))
    docx_fonts(rpr, BODY_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    style = document.styles["Normal"]
    style.font.size = BODY_SIZE
    style.paragraph_format.line_spacing = 1.5
    style.paragraph_format.space_before = Pt(0)
    style.paragraph_format.space_after = Pt(0)


def docx_fonts(rpr, east_asian: str) -> None:
    fonts = rpr.get_or_add_rFonts()
    # A theme attribute beside an explicit name wins over it, so drop them.
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(attribute), None)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asian)


def docx_run(paragraph, text: str, *, font=BODY_FONT, size=None, bold=False, underline=False):
    run = paragraph.add_run(xml_safe(text))  # stored text may hold control characters
    docx_fonts(run._element.get_or_add_rPr(), font)
    if size is not None:
        run.font.size = size
    run.bold = bold or None
    run.underline = underline or None
    return run


_ALIGN = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT}


def _docx_line(container, text, *, font=BODY_FONT, size=None, bold=False, align="", indent=False):
    paragraph = container.add_paragraph()
    for number, line in enumerate(text.split("\n")):
        if number:
            paragraph.add_run().add_break()
        if line:
            docx_run(paragraph, line, font=font, size=size, bold=bold)
    if align:
        paragraph.alignment = _ALIGN[align]
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(24)
    return paragraph


def _docx_table(document, rows: Sequence[tuple[str, str]]) -> None:
    table = document.add_table(rows=len(rows), cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for row, (label, value) in zip(table.rows, rows, strict=True):
        row.cells[0].width, row.cells[1].width = Mm(36), Mm(120)
        docx_run(row.cells[0].paragraphs[0], label, bold=True)
        cell = row.cells[1]
        for number, line in enumerate((value or "").split("\n")):
            paragraph = cell.paragraphs[0] if number == 0 else cell.add_paragraph()
            docx_run(paragraph, line)


# --- PDF -----------------------------------------------------------------------------------


def _pdf_font() -> str:
    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    return PDF_FONT


def _style(name: str, **options) -> ParagraphStyle:
    base = {"fontName": _pdf_font(), "fontSize": 12, "leading": 20, "wordWrap": "CJK"}
    return ParagraphStyle(name, **{**base, **options})


def _pdf_text(text: str) -> str:
    return escape(xml_safe(text)).replace("\n", "<br/>")


def render_pdf(form: PrintForm) -> bytes:
    body = _style("body", firstLineIndent=24)
    plain = _style("plain")
    right = _style("right", alignment=TA_RIGHT)
    cell = _style("cell", leading=17)
    story: list = []
    if form.issuer:
        story.append(
            Paragraph(
                _pdf_text(form.issuer),
                _style("issuer", fontSize=16, leading=24, alignment=TA_CENTER),
            )
        )
    story.append(
        Paragraph(
            _pdf_text(form.title), _style("title", fontSize=22, leading=32, alignment=TA_CENTER)
        )
    )
    story.append(Paragraph(_pdf_text(form.number), right))
    story.append(Spacer(1, 6 * mm))
    if form.addressee:
        story.append(Paragraph(_pdf_text(form.addressee), plain))
    story.extend(Paragraph(_pdf_text(text), body) for text in form.paragraphs)
    if form.table:
        rows = [
            [Paragraph(_pdf_text(label), cell), Paragraph(_pdf_text(value or ""), cell)]
            for label, value in form.table
        ]
        table = Table(rows, colWidths=[36 * mm, 120 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F2F2F2")),
                ]
            )
        )
        story.append(table)
        story.append(Spacer(1, 4 * mm))
    story.extend(Paragraph(_pdf_text(text), body) for text in form.closing)
    if form.seal is not None:
        story.append(
            KeepTogether(
                [
                    Spacer(1, 10 * mm),
                    Paragraph(_pdf_text(f"{form.seal[0]}（印章）"), right),
                    Paragraph(_pdf_text(seal_date(form.seal[1])), right),
                ]
            )
        )
    if form.signatures:
        date_line = "\u3000\u3000年\u3000\u3000月\u3000\u3000日"
        rows = [
            [
                Paragraph(_pdf_text(f"{s.label}：{s.name}"), cell),
                Paragraph(
                    _pdf_text("签名：________" + (f"　{date_line}" if s.dated else "")), cell
                ),
            ]
            for s in form.signatures
        ]
        story.append(Spacer(1, 8 * mm))
        story.append(KeepTogether([Table(rows, colWidths=[70 * mm, 86 * mm], rowHeights=12 * mm)]))
    if form.footnote:
        story.append(Spacer(1, 6 * mm))
        story.append(Paragraph(_pdf_text(form.footnote), _style("note", fontSize=10, leading=16)))
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        topMargin=25 * mm,
        bottomMargin=25 * mm,
        title=f"{form.title} {form.number}".strip(),
        subject=form.subject,
        lang="zh-CN",
    )
    document.build(story)
    return out.getvalue()
