"""Rows written straight as SpreadsheetML (:class:`xl_tthc.forms.templates.SheetRows`) and
spliced into the sheets openpyxl writes: read back through openpyxl and
python-calamine they are the values, types, styles, formulas with cached values and
hyperlinks that were appended; text stays text; a streamed form equals the form
written as openpyxl cells."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
import python_calamine as pc
from openpyxl.packaging.relationship import RelationshipList
from openpyxl.styles import Font, PatternFill

from test_templates import FILLED
from xl_tthc.forms.definitions import FORMS, get_form, row_formula
from xl_tthc.forms.templates import Formula, SheetRows, save_workbook, write_form

BOLD = Font(bold=True)
# text as appended -> text as read back ("" and characters XML cannot hold are dropped)
TEXTS = {
    "=1+1": "=1+1", "+84 912 345 678": "+84 912 345 678", "-5": "-5", "@SUM(A1)": "@SUM(A1)",
    "=HYPERLINK(\"http://x\")": "=HYPERLINK(\"http://x\")",
    "Sở Tư pháp": "Sở Tư pháp", "a & b <c> \"d\" 'e'": "a & b <c> \"d\" 'e'", "  hai đầu  ": "  hai đầu  ",
    "dòng\nmới": "dòng\nmới", "cr\r\nlf": "cr\r\nlf", "tab\tx": "tab\tx", "đk\x01\x07\x1fký tự": "đkký tự",
    "\x00=ẩn": "=ẩn", "lẻ \ud800 surrogate": "lẻ  surrogate", "🙂 Ủy ban": "🙂 Ủy ban", "1.234,5": "1.234,5",
}


def _book(tmp_path: Path, name: str = "s.xlsx") -> tuple[openpyxl.Workbook, SheetRows, Path]:
    wb = openpyxl.Workbook()
    wb.active.title = "Dữ liệu"
    return wb, SheetRows(wb.active), tmp_path / name


def _calamine(path: Path, sheet: str) -> list[list]:
    return pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def test_text_stays_text_and_drops_what_xml_cannot_hold(tmp_path):
    wb, rows, path = _book(tmp_path)
    bold = rows.style(font=BOLD)
    for r, text in enumerate(TEXTS, start=1):
        rows.append(r, [text, text, str(r)], [0, bold, 0])
    save_workbook(wb, path, rows=[rows])
    ws = openpyxl.load_workbook(path)["Dữ liệu"]
    for r, expected in enumerate(TEXTS.values(), start=1):
        plain, styled = ws.cell(r, 1), ws.cell(r, 2)
        assert (plain.value, plain.data_type) == (expected, "s"), r
        assert plain.quotePrefix == expected.startswith(("=", "+", "-", "@")), expected
        assert (styled.value, styled.quotePrefix, styled.font.b) == (expected, plain.quotePrefix, True)
        assert ws.cell(r, 3).value == str(r) and ws.cell(r, 3).data_type == "s"  # digits as text stay text
    assert [r[:2] for r in _calamine(path, "Dữ liệu")] == [[t, t] for t in TEXTS.values()]


def test_numbers_blanks_and_formulas_with_cached_values_round_trip(tmp_path):
    wb, rows, path = _book(tmp_path)
    fill = rows.style(fill=PatternFill("solid", fgColor="F2F2F2"), number_format="0.00%")
    n = 1500
    for r in range(1, n + 1):
        rows.append(r, [r, r / 7, r % 2 == 0, None, "", Fraction(r, 4), Decimal("2.5"),
                        Formula(f"A{r}*2", 2 * r), Formula(f'IF(A{r}>0,"có","")', "có"), Formula('""', ""),
                        Formula("NA()"), Formula(f"A{r}<2", r < 2), None],
                    [0] * 12 + [fill])
    save_workbook(wb, path, rows=[rows])
    ws = openpyxl.load_workbook(path)["Dữ liệu"]
    cached = openpyxl.load_workbook(path, data_only=True)["Dữ liệu"]
    assert ws.max_row == n and ws.max_column == 13 and ws.calculate_dimension() == f"A1:M{n}"
    for r in (1, 2, 777, n):
        got = [c.value for c in ws[r]]
        assert got[:7] == [r, r / 7, r % 2 == 0, None, None, r / 4, 2.5]
        assert got[7:12] == [f"=A{r}*2", f'=IF(A{r}>0,"có","")', '=""', "=NA()", f"=A{r}<2"]
        assert [c.value for c in cached[r]][7:12] == [2 * r, "có", None, None, r < 2]
        assert ws.cell(r, 13).fill.fgColor.rgb == "00F2F2F2" and ws.cell(r, 13).number_format == "0.00%"
    values = _calamine(path, "Dữ liệu")
    assert len(values) == n
    assert values[9] == [10.0, 10 / 7, True, "", "", 2.5, 2.5, 20.0, "có", "", "", False]  # a trailing blank cut


def test_rows_fit_between_the_rows_openpyxl_writes_and_keep_their_links(tmp_path):
    wb, rows, path = _book(tmp_path)
    ws = rows.ws
    ws["A1"] = "Tiêu đề"
    ws.merge_cells("A1:C1")
    ws["A1"].hyperlink = "https://example.org/"  # openpyxl's own link: both kinds in one <hyperlinks>
    ws["A2"] = "Đầu cột"
    for r in range(3, 1203):
        rows.append(r, [r - 2, f"tệp {r}.xlsx", None])
        rows.hyperlink(r, 2, f"nguon/tệp {r}.xlsx#'Phụ lục I'!C{r}")
    ws["A1205"] = "Cuối"
    ws.column_dimensions["B"].width = 40
    ws.freeze_panes = "B3"
    save_workbook(wb, path, rows=[rows])
    back = openpyxl.load_workbook(path)["Dữ liệu"]
    assert [back.cell(r, 1).value for r in (1, 2, 3, 1202, 1203, 1205)] == ["Tiêu đề", "Đầu cột", 1, 1200, None,
                                                                             "Cuối"]
    assert back.calculate_dimension() == "A1:C1205"
    assert back.merged_cells.ranges and back.freeze_panes == "B3" and back.column_dimensions["B"].width == 40
    assert back["A1"].hyperlink.target == "https://example.org/"
    for r in (3, 500, 1202):
        assert back.cell(r, 2).hyperlink.target == f"nguon/tệp {r}.xlsx#'Phụ lục I'!C{r}"
    assert sum(1 for row in back.iter_rows() for c in row if c.hyperlink) == 1201
    assert [r[0] for r in _calamine(path, "Dữ liệu")][:4] == ["Tiêu đề", "Đầu cột", 1.0, 2.0]


def test_rows_go_down_and_never_share_a_row_with_openpyxl_cells(tmp_path):
    wb, rows, path = _book(tmp_path)
    rows.append(2, [1])
    with pytest.raises(ValueError, match="rows go down"):
        rows.append(2, [2])
    with pytest.raises(ValueError, match="styles"):
        rows.append(3, [1, 2], [0])
    rows.ws["B2"] = "openpyxl"
    with pytest.raises(ValueError, match="row 2 has both"):
        save_workbook(wb, path, rows=[rows])
    with pytest.raises(ValueError, match="not a number"):
        rows.append(9, [float("nan")])


def test_an_empty_sheet_data_element_takes_the_rows(tmp_path):
    wb, rows, _ = _book(tmp_path)
    rows.append(1, ["x"])
    xml = rows._splice(b'<worksheet><dimension ref="A1:A1"/><sheetData/><pageMargins/></worksheet>',
                       RelationshipList())
    assert xml == (b'<worksheet><dimension ref="A1:A1"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t>'
                   b'</is></c></row></sheetData><pageMargins/></worksheet>')


def _cells(path: Path) -> dict[str, tuple]:
    ws = openpyxl.load_workbook(path).active
    out = {}
    for row in ws.iter_rows():
        for c in row:
            f = c.font
            out[c.coordinate] = (c.value if c.value != "" else None, c.data_type if c.value not in (None, "") else None,
                                 c.number_format, f.b, f.i, f.sz, c.fill.fgColor.rgb, c.border.left.style,
                                 c.alignment.horizontal, c.alignment.wrap_text, c.protection.locked, c.quotePrefix)
    return out


@pytest.mark.parametrize("name", sorted(FORMS))
def test_a_streamed_form_is_the_form_written_as_openpyxl_cells(name, tmp_path):
    form = get_form(name)
    filled = [*FILLED[name], {"unit": "=1+1"}, {"unit": "-Ban\x01 Dân tộc"}]
    layouts, paths = {}, {}
    for stream in (False, True):
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = form.sheet
        layout = write_form(ws, form, filled, period_label="tháng 02 năm 2021", unit_label="Sở Tư pháp",
                            stream=stream)
        assert (layout.rows is not None) == stream
        paths[stream] = tmp_path / f"{stream}.xlsx"
        save_workbook(wb, paths[stream], {ws.title: layout.cached}, rows=[layout.rows] if stream else ())
        layouts[stream] = layout
    assert layouts[True].cached == layouts[False].cached
    plain, streamed = _cells(paths[False]), _cells(paths[True])
    assert streamed == plain
    for r in range(layouts[True].first_row, layouts[True].last_row + 1):  # the formulas of xl_tthc.forms.definitions
        for c in form.columns:
            if c.formula is not None:
                assert streamed[f"{form.letter(c.field)}{r}"][0] == row_formula(form, c.field, r)
    unit = form.letter("unit")
    first = layouts[True].first_row
    assert streamed[f"{unit}{first + len(FILLED[name])}"][0:2] == ("=1+1", "s")
    assert streamed[f"{unit}{first + len(FILLED[name]) + 1}"][0] == "-Ban Dân tộc"
    assert _calamine(paths[True], form.sheet) == _calamine(paths[False], form.sheet)


def test_same_rows_same_bytes(tmp_path):
    data = []
    for i in range(2):
        wb, rows, path = _book(tmp_path, f"{i}.xlsx")
        rows.append(1, ["=x", 1, Formula("A2", 1)], [rows.style(font=BOLD)] * 3)
        rows.hyperlink(1, 1, "a.xlsx")
        save_workbook(wb, path, rows=[rows])
        data.append(path.read_bytes())
    assert data[0] == data[1]


def test_a_lower_compression_level_changes_only_the_zip(tmp_path):
    import zipfile

    parts = {}
    for level in (None, 1):
        wb, rows, path = _book(tmp_path, f"{level}.xlsx")
        for r in range(1, 400):
            rows.append(r, [r, f"đơn vị {r}", Formula(f"A{r}*2", 2 * r)])
            rows.hyperlink(r, 2, f"tệp {r}.xlsx")
        save_workbook(wb, path, rows=[rows], compresslevel=level)
        with zipfile.ZipFile(path) as z:
            assert z.testzip() is None
            parts[level] = {n: z.read(n) for n in z.namelist()}
    assert parts[1] == parts[None]
    assert (tmp_path / "1.xlsx").read_bytes() != (tmp_path / "None.xlsx").read_bytes()


def _parts(path: Path) -> dict[str, bytes]:
    import zipfile
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


@pytest.mark.parametrize("n", [0, 1, 255, 256, 257, 1000])
def test_rows_made_later_are_the_rows_appended_now(tmp_path, n):
    """SheetRows.later: rows made while the sheet is saved, block by block, give the
    same workbook, part for part, as the same rows appended before; with rows appended
    before them, and hyperlinks given up front."""
    def content(i: int) -> tuple[list, float | None]:
        return [i, f"Đơn vị {i}", "=" * (i % 3), i * 1.5 if i % 2 else None, Fraction(i, 4)], (30 if i % 7 == 0 else None)

    def book(later: bool, name: str) -> Path:
        wb, rows, path = _book(tmp_path, name)
        bold = rows.style(font=BOLD)
        rows.append(1, ["STT", "Tên"], [bold, bold])
        rows.hyperlink(1, 2, "a.xlsx")
        styles = [0, bold, 0, 0, 0]
        made = ((i + 1, *content(i)) for i in range(1, n + 1))
        if later:
            rows.later(lambda: ((r, v, styles, h) for r, v, h in made), n + 1, 5)
        else:
            for r, v, h in made:
                rows.append(r, v, styles, h)
        for i in range(2, n + 2, 50):
            rows.hyperlink(i, 2, f"t{i}.xlsx")
        save_workbook(wb, path, rows=[rows], compresslevel=1)
        return path

    now, later = book(False, "now.xlsx"), book(True, "later.xlsx")
    assert _parts(now) == _parts(later)
    got = _calamine(later, "Dữ liệu")
    assert len(got) == n + 1 and (n == 0 or got[n][1] == f"Đơn vị {n}")


def test_rows_made_later_beyond_their_extent_fail(tmp_path):
    wb, rows, path = _book(tmp_path)
    rows.later(lambda: [(2, [1, 2, 3], None, None)], 2, 2)  # three columns, two declared
    with pytest.raises(ValueError, match="beyond the extent"):
        save_workbook(wb, path, rows=[rows])
