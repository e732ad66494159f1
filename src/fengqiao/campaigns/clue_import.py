"""Reading a campaign's clues from an XLSX (线索导入).

The first sheet's first row names the columns, in any order (other columns are ignored):

| header  | holds                                        | rule                               |
| ------- | -------------------------------------------- | ---------------------------------- |
| 线索    | what is to be checked                        | required, at most 500 characters   |
| 地址    | where                                        | at most 200 characters             |
| 纬度    | latitude (WGS-84 decimal degrees)            | with 经度, or neither              |
| 经度    | longitude                                    | with 纬度, or neither              |
| 村代码  | the 12-digit code of the village (or 村)     | required when there is no point    |

A clue with a point goes to the grid that covers it (regions.locator); without a point, to
its village. Either must lie inside the campaign's area. Every bad cell is reported with its
row (as the spreadsheet numbers it) and column letter, and then nothing is stored."""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from fengqiao.core.errors import ValidationFailed
from fengqiao.core.scoping import contains
from fengqiao.regions.locator import locate_many
from fengqiao.regions.models import Region
from fengqiao.registry.imports.reading import cell_text, is_blank

MAX_ROWS = 50_000
MAX_REPORTED = 1000  # cells listed in one answer; the count says how many there are in all
MAX_CLUE = 500
MAX_ADDRESS = 200
HEADERS = {
    "线索": "text",
    "地址": "address",
    "纬度": "lat",
    "经度": "lng",
    "村代码": "village",
    "村": "village",
}


@dataclass(frozen=True)
class Clue:
    row: int
    text: str
    address: str
    lat: float | None
    lng: float | None
    region_code: str
    grid_id: int | None


@dataclass(frozen=True)
class CellError:
    row: int
    column: str
    reason: str


class ClueErrors(ValidationFailed):
    """The file's bad cells (a 400 whose body lists them)."""

    def __init__(self, errors: list[CellError]):
        super().__init__(
            _("%(n)d cells of the file are wrong; nothing was imported.") % {"n": len(errors)},
            code="bad_rows",
            field="file",
        )
        self.errors = errors

    def as_dict(self) -> dict:
        found = super().as_dict()
        found["error_count"] = len(self.errors)
        found["errors"] = [
            {"row": e.row, "column": e.column, "reason": str(e.reason)}
            for e in self.errors[:MAX_REPORTED]
        ]
        return found


def _open(file):
    try:
        book = load_workbook(file, read_only=True, data_only=True)
        return book.worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds on a file that is not XLSX
        raise ValidationFailed(_("The file is not an XLSX workbook."), field="file") from exc


def _columns(header: tuple) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, value in enumerate(header):
        key = HEADERS.get(cell_text(value))
        if key is not None and key not in found:
            found[key] = index
    if "text" not in found:
        raise ValidationFailed(_("The first row must name a column 线索."), field="file")
    return found


def _number(raw, low: float, high: float) -> float | None:
    text = cell_text(raw)
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return float("nan")
    return value if low <= value <= high else float("nan")


class _Reader:
    def __init__(self, columns: dict[str, int]):
        self.columns = columns
        self.errors: list[CellError] = []

    def letter(self, key: str) -> str:
        return get_column_letter(self.columns.get(key, self.columns["text"]) + 1)

    def value(self, values: tuple, key: str):
        index = self.columns.get(key)
        return values[index] if index is not None and index < len(values) else None

    def fail(self, row: int, key: str, reason) -> None:
        self.errors.append(CellError(row, self.letter(key), reason))

    def read(self, row: int, values: tuple) -> dict | None:
        text = cell_text(self.value(values, "text"))
        address = cell_text(self.value(values, "address"))
        village = cell_text(self.value(values, "village"))
        lat = _number(self.value(values, "lat"), -90, 90)
        lng = _number(self.value(values, "lng"), -180, 180)
        before = len(self.errors)
        if not text or len(text) > MAX_CLUE:
            self.fail(row, "text", _("Give the clue (at most 500 characters)."))
        if len(address) > MAX_ADDRESS:
            self.fail(row, "address", _("The address has at most 200 characters."))
        for key, value in (("lat", lat), ("lng", lng)):
            if value is not None and value != value:  # NaN: not a number, or off the Earth
                self.fail(row, key, _("Not a latitude or longitude."))
        if (lat is None) != (lng is None):
            self.fail(row, "lng" if lng is None else "lat", _("Give both latitude and longitude."))
        if lat is None and lng is None and not village:
            self.fail(row, "village", _("Give a point or the village code."))
        if len(self.errors) > before:
            return None
        return {
            "row": row,
            "text": text,
            "address": address,
            "lat": lat,
            "lng": lng,
            "village": village,
        }


def _rows(sheet, reader: _Reader) -> list[dict]:
    rows = []
    seen = 0
    for number, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        if is_blank(values):
            continue
        seen += 1
        if seen > MAX_ROWS:
            raise ValidationFailed(
                _("At most %(n)d clues in one file.") % {"n": MAX_ROWS}, field="file"
            )
        found = reader.read(number, values)
        if found is not None:
            rows.append(found)
    return rows


def _place(rows: list[dict], reader: _Reader, area: str) -> list[Clue]:
    pointed = [r for r in rows if r["lat"] is not None]
    located = dict(
        zip(
            (r["row"] for r in pointed),
            locate_many([(r["lat"], r["lng"]) for r in pointed]),
            strict=True,
        )
    )
    named = {r["village"] for r in rows if r["lat"] is None}
    villages = set(
        Region.objects.filter(code__in=named, level=Region.Level.VILLAGE).values_list(
            "code", flat=True
        )
    )
    clues = []
    for r in rows:
        if r["lat"] is not None:
            where = located[r["row"]]
            if where is None:
                reader.fail(r["row"], "lat", _("The point lies outside every village on record."))
                continue
            code, grid_id = where.region_code, where.grid_id
            if r["village"] and r["village"] != where.village_code:
                reader.fail(r["row"], "village", _("The point lies in another village."))
                continue
        elif r["village"] not in villages:
            reader.fail(r["row"], "village", _("No village with that code."))
            continue
        else:
            code, grid_id = r["village"], None
        if not contains(area, code):
            key = "lat" if r["lat"] is not None else "village"
            reader.fail(r["row"], key, _("Outside the campaign's area."))
            continue
        clues.append(Clue(r["row"], r["text"], r["address"], r["lat"], r["lng"], code, grid_id))
    return clues


def read_clues(file, *, area: str) -> list[Clue]:
    """The file's clues placed in grids or villages inside `area`, or ClueErrors."""
    sheet = _open(file)
    header = next(sheet.iter_rows(max_row=1, values_only=True), ())
    reader = _Reader(_columns(header))
    clues = _place(_rows(sheet, reader), reader, area)
    if reader.errors:
        raise ClueErrors(sorted(reader.errors, key=lambda e: (e.row, e.column)))
    if not clues:
        raise ValidationFailed(_("The file holds no clues."), field="file")
    return clues
