"""The edge checks (core/inputguard.py) and the XML-safe text the XLSX and DOCX writers use."""

import io
import json

import openpyxl
import pytest
from docx import Document

from fengqiao.core.inputguard import InputRefused, clean_json, clean_text, json_depth_ok
from fengqiao.core.textsafe import xml_safe
from fengqiao.mediation.documents import PartyLine, render_agreement
from fengqiao.mediation.tests.test_documents import LI, make_agreement
from fengqiao.regions.tree_import import import_geojson


@pytest.mark.parametrize(
    "value",
    ["\ud800", "a\udfffb", str(2**63), str(-(2**63) - 1), "0001-01-01", "9999-12-31",
     "1899-12-31T23:59:59", "20000-01-01", "2\x000000-01-01"],
)  # fmt: skip
def test_refused_values(value):
    with pytest.raises(InputRefused):
        clean_text("f", value)


def test_control_characters_are_dropped_and_line_breaks_kept():
    assert clean_text("f", "a\x00b\x1b[31m\x7f\ufffe\r\n\tc") == "ab[31m\r\n\tc"


@pytest.mark.parametrize(
    "value",
    ["line\nnext\r\n\tindent", str(2**63 - 1), str(-(2**63)), "2026-12-03",
     "2026-12-03T08:00:00+08:00", "1900-01-01", "2100-12-31", "张三", "0001-01-01 was a date"],
)  # fmt: skip
def test_accepted_values(value):
    assert clean_text("f", value) == value


def test_thousands_of_digits_are_refused_without_converting_them():
    with pytest.raises(InputRefused, match="out of range"):
        clean_text("page", "9" * 100_000)
    clean_text("page", "0" * 50 + "7")


def test_long_digit_runs_are_text_where_the_field_is_text():
    clean_text("q", "9" * 30, numeric=False)


def test_json_refusal_names_the_path_of_the_bad_value():
    with pytest.raises(InputRefused) as caught:
        clean_json('{"parties": [{"name": "ok"}, {"name": "bad\\ud800"}]}')
    assert caught.value.field == "parties[1].name"
    with pytest.raises(InputRefused) as caught:
        clean_json('{"grid_id": 99999999999999999999}')
    assert caught.value.field == "grid_id"


def test_json_strings_lose_control_characters_and_keep_the_rest():
    cleaned = clean_json('{"a\\u0001": [{"name": "张\\u0000三\\n"}], "n": 5, "ok": true}')
    assert json.loads(cleaned) == {"a": [{"name": "张三\n"}], "n": 5, "ok": True}
    assert clean_json('{"name": "张三"}') is None  # unchanged: the body is left as sent


def test_json_depth_is_counted_without_parsing_and_ignores_brackets_in_strings():
    assert json_depth_ok("[" * 32 + "]" * 32, 32)
    assert not json_depth_ok("[" * 33 + "]" * 33, 32)
    assert json_depth_ok('{"a": "' + "[" * 100 + '"}', 32)
    with pytest.raises(InputRefused, match="nested"):
        clean_json("[" * 200_000)


def test_invalid_json_is_left_to_the_api():
    assert clean_json("{not json") is None


def test_geojson_import_refuses_deep_nesting_with_a_message(users):
    from fengqiao.core.errors import ValidationFailed

    deep = '{"type": "FeatureCollection", "features": ' + "[" * 50_000 + "]" * 50_000 + "}"
    with pytest.raises(ValidationFailed, match="too deeply"):
        import_geojson(actor=users["admin"], data=deep.encode())


def test_tree_import_refuses_an_oversized_file(users, monkeypatch):
    from fengqiao.core.errors import ValidationFailed
    from fengqiao.regions import tree_import

    monkeypatch.setattr(tree_import, "TREE_FILE_MAX_BYTES", 1000)
    with pytest.raises(ValidationFailed, match="larger than"):
        tree_import.import_tree(actor=users["admin"], filename="t.geojson", content=b" " * 1001)


def test_xml_safe_drops_control_characters_and_keeps_line_breaks():
    assert xml_safe("张\x07三\n\t李\x00四\ud800") == "张三\n\t李四"
    assert xml_safe(42) == 42


def test_agreement_docx_is_written_when_stored_text_holds_control_characters():
    party = PartyLine(role="applicant", name="张\x07三", kind="person", address="枫溪村\x0b3组")
    data = render_agreement(make_agreement(parties=[party, LI], facts="事实\x00经过\n第二段"))
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "张三" in text
    assert "第二段" in text


def test_people_export_is_written_when_name_and_address_hold_control_characters(users):
    from fengqiao.registry.exporter import export_people_xlsx
    from fengqiao.registry.models import Dwelling, Person

    centre = users["village_centre"]
    person = Person.objects.filter(region_code__startswith=centre.scope_prefixes()[0]).first()
    Person.objects.filter(pk=person.pk).update(name="王\x01五")
    Dwelling.objects.filter(pk=person.dwelling_id).update(address="和平路\x1f8号")
    sheet = openpyxl.load_workbook(io.BytesIO(export_people_xlsx(actor=centre))).worksheets[0]
    names = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert "王五" in names
