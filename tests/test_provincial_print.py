"""The provincial workbook as it prints: the appendix's report line, footnotes and
signature block, the charts (every department, in the table's order, one page each),
the page setup of every sheet, the Vietnamese rule titles, and the samples' PDF as
LibreOffice prints it."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from lo import SOFFICE, to_pdf
from xl_tthc.cli import cli
from xl_tthc.consolidate.consolidation import consolidate
from xl_tthc.consolidate.provincial import SHEETS, provincial_form, write_provincial
from xl_tthc.domain.fields import RESULT_FIELDS
from xl_tthc.domain.issues import RULE_TITLES, RULES
from xl_tthc.forms.definitions import get_form, template_form
from xl_tthc.forms.templates import ReportInfo

SAMPLES = Path(__file__).resolve().parents[1] / "workbooks" / "samples"
REPORT = ReportInfo("03/BC-TTHC", date(2021, 2, 20), "Trung tâm Phục vụ hành chính công tỉnh Sóc Trăng",
                    "Sóc Trăng", "Nguyễn Văn A", "Nguyễn Trọng Sơn")


@pytest.fixture(scope="module")
def result():
    return consolidate([SAMPLES], jobs=1)


@pytest.fixture(scope="module")
def book(result, tmp_path_factory) -> Path:
    return write_provincial(result, tmp_path_factory.mktemp("print") / "tong_hop.xlsx", report=REPORT,
                            online_target=80)


def _texts(ws) -> list[str]:
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def test_one_definition_for_the_template_and_the_consolidated_sheet(result):
    every = [dict.fromkeys(RESULT_FIELDS, 1)]
    fitted = provincial_form(every)
    template = template_form("provincial_appendix")
    assert fitted.columns == template.columns and len(template.columns) == 17
    # the samples report every column the template has: the same 17 columns, numbered alike
    sample = provincial_form([r.figures for r in result.rows], result.online_denominator, result.stated)
    assert [(c.field, c.numbering, c.path) for c in sample.columns] == \
        [(c.field, c.numbering, c.path) for c in template.columns]
    # the stated ratios are optional columns of the one definition, there where someone states them
    assert [c.field for c in provincial_form(every, stated=["e_result_rate"]).columns][-1] == "e_result_rate"
    assert len(get_form("provincial_appendix").columns) == 21


def test_appendix_report_line_footnotes_and_signatures(book, result):
    ws = openpyxl.load_workbook(book)[SHEETS["consolidated"]]
    texts = _texts(ws)
    assert ("(Kèm theo Báo cáo số 03/BC-TTHC ngày 20/02/2021 của Trung tâm Phục vụ hành chính công "
            "tỉnh Sóc Trăng)") in texts
    assert "Sóc Trăng, ngày 20 tháng 02 năm 2021" in texts
    for text in ("NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ", "Nguyễn Văn A", "Nguyễn Trọng Sơn", "Đơn vị tính: hồ sơ"):
        assert text in texts, text
    notes = [t for t in texts if t.startswith(("Ghi chú", "2.", "3.", "4.", "5."))]
    assert any("Cột 16 (tỷ lệ đúng hạn) = (cột 9 + cột 10) / cột 8" in t for t in notes)
    assert any("Cột 17 (tỷ lệ hồ sơ trực tuyến) = cột 6 / cột 5" in t for t in notes)
    assert any("1 dòng “… (không tổng hợp: …)”" in t and "Nguồn" in t for t in notes)
    assert any(t.startswith("Sở Y tế (không tổng hợp") for t in texts)  # its marked row
    # the signature block is printed: inside the print area
    last = max(c.row for row in ws.iter_rows() for c in row if c.value == "Nguyễn Trọng Sơn")
    assert ws.print_area.endswith(f"${last}")


def test_placeholders_without_report_and_coverage_footnote(result, tmp_path):
    saved = result.coverage
    result.coverage = {"returned": (12, 18), "received": (18, 18), "not_a_field": (1, 2)}
    try:
        out = write_provincial(result, tmp_path / "o.xlsx")
    finally:
        result.coverage = saved
    texts = _texts(openpyxl.load_workbook(out)[SHEETS["consolidated"]])
    assert "(Kèm theo Báo cáo số ……/BC-…… ngày ……/……/…… của ……………………)" in texts
    assert "……, ngày …… tháng …… năm ……" in texts
    coverage = [t for t in texts if "không phải đơn vị nào cũng báo cáo" in t]
    assert len(coverage) == 1 and "cột 15 (hồ sơ trả lại) 12/18 đơn vị" in coverage[0]
    assert "tiếp nhận" not in coverage[0]  # a column every department reports needs no note
    # the samples as they are: every department reports every column, no coverage footnote
    plain = _texts(openpyxl.load_workbook(write_provincial(result, tmp_path / "p.xlsx"))[SHEETS["consolidated"]])
    assert not any("không phải đơn vị nào cũng báo cáo" in t for t in plain)


def _cells(ws, ref) -> list:
    """The values of a chart reference ("'Biểu đồ'!$M$2:$M$19") on sheet ``ws``."""
    area = ref.split("!")[1].replace("$", "")
    return [c.value for row in ws[area] for c in row]


def test_charts_show_every_department_in_table_order(book, result):
    wb = openpyxl.load_workbook(book)
    sheet = wb[SHEETS["charts"]]
    units = [r.unit for r in result.rows]
    charts = sheet._charts
    assert len(charts) == 3
    titles = ["".join(r.t for p in c.title.tx.rich.p for r in (p.r or [])) for c in charts]
    assert titles[0] == "Số hồ sơ giải quyết quá hạn theo đơn vị"
    assert titles[1].startswith("Tỷ lệ giải quyết quá hạn") and "chỉ tiêu của tỉnh (80%)" in titles[2]
    late = {r.unit: r.figures["resolved_late"] for r in result.rows}
    for k, chart in enumerate(charts):
        cats = _cells(sheet, chart.series[0].cat.strRef.f if chart.series[0].cat.strRef else
                      chart.series[0].cat.numRef.f)
        assert cats[:len(units)] == units  # every department, in the table's order
        assert cats[len(units):] == [[], ["Toàn tỉnh"], ["Toàn tỉnh", "Chỉ tiêu của tỉnh"]][k]
        assert chart.x_axis.scaling.orientation == "maxMin"  # first row on top, as in the table
        assert chart.x_axis.tickLblSkip == 1 and chart.x_axis.delete is False
        assert chart.y_axis.crosses == "max"
        for s in chart.series:
            assert s.dLbls.showVal
            assert len(_cells(sheet, s.val.numRef.f)) == len(cats)
    assert _cells(sheet, charts[0].series[0].val.numRef.f) == [late[u] for u in units]
    # the online chart: reached the target or not, each department in exactly one series
    met, missed = (_cells(sheet, s.val.numRef.f)[:len(units)] for s in charts[2].series[:2])
    for u, a, b in zip(units, met, missed):
        assert (a is None) or (b is None), u
        assert all(v >= 0.8 for v in met if v is not None) and all(v < 0.8 for v in missed if v is not None)
    assert _cells(sheet, charts[2].series[-1].val.numRef.f)[-1] == 0.8


def test_each_chart_has_its_own_page(book):
    sheet = openpyxl.load_workbook(book)[SHEETS["charts"]]
    breaks = sorted(b.id for b in sheet.row_breaks.brk)
    assert len(breaks) == len(sheet._charts) - 1
    bounds = [0, *breaks, 10**6]
    for chart, lo, hi in zip(sheet._charts, bounds, bounds[1:]):
        a = chart.anchor
        assert lo <= a._from.row and a.to.row < hi  # 0-based rows, within one page's rows
    assert sheet.print_area == f"'{SHEETS['charts']}'!$A$1:$K${bounds[len(sheet._charts) - 1] + 32}"


def test_page_setup_of_every_sheet(book):
    wb = openpyxl.load_workbook(book)
    for ws in wb.worksheets:
        ps = ws.page_setup
        assert int(ps.paperSize) == 9 and ps.orientation == "landscape", ws.title
        assert ps.fitToWidth == 1 and ps.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert "&P" in ws.oddFooter.center.text, ws.title
    for key in ("detail", "issues", "sources"):
        ws = wb[SHEETS[key]]
        assert ws.print_title_rows == "$1:$1"
        assert ws.cell(2, 2).alignment.wrap_text, key
    sha = wb[SHEETS["sources"]]
    assert sha.column_dimensions["F"].width < 64 and sha.row_dimensions[2].height > 15  # the hash wraps, visibly
    assert wb[SHEETS["consolidated"]].print_title_rows


def test_issue_sheet_names_rules_in_vietnamese(book, result):
    assert set(RULE_TITLES) >= set(RULES)
    ws = openpyxl.load_workbook(book)[SHEETS["issues"]]
    assert [c.value for c in ws[1]][6:8] == ["Quy tắc", "Tên quy tắc"]
    for issue, row in zip(result.issues, ws.iter_rows(min_row=2)):
        assert row[6].value == issue.rule and row[7].value == RULE_TITLES[issue.rule][0]


def test_cli_passes_the_report_options(tmp_path):
    out = tmp_path / "t.xlsx"
    res = CliRunner().invoke(cli, ["consolidate", str(SAMPLES), "-o", str(out), "--report-no", "7/BC-TTHC",
                                   "--report-date", "2021-02-20", "--signer", "Lê B", "--online-target", "75"])
    assert res.exit_code == 1, res.output  # the planted errors of the samples
    wb = openpyxl.load_workbook(out)
    texts = _texts(wb[SHEETS["consolidated"]])
    assert "(Kèm theo Báo cáo số 7/BC-TTHC ngày 20/02/2021 của ……………………)" in texts and "Lê B" in texts
    assert "……, ngày 20 tháng 02 năm 2021" in texts
    assert "Chưa đạt chỉ tiêu (dưới 75%)" in _texts(wb[SHEETS["charts"]])
    bad = CliRunner().invoke(cli, ["consolidate", str(SAMPLES), "-o", str(tmp_path / "u.xlsx"),
                                   "--report-date", "31/02/2021"])
    assert bad.exit_code == 2 and "--report-date" in bad.output


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_samples_print_as_described(book, result, tmp_path):
    pdf = to_pdf(book, tmp_path / "pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    def page_text(p: int, *crop: str) -> str:
        return subprocess.run(["pdftotext", "-layout", *crop, "-f", str(p), "-l", str(p), str(pdf), "-"],
                              capture_output=True, text=True).stdout

    text = [page_text(p) for p in range(1, pages + 1)]
    # the top fifth of each page (LibreOffice also writes, clipped away, the top of the next
    # chart below the last row of a page: text extraction sees it, the printed page does not)
    tops = [" ".join(page_text(p, "-x", "0", "-y", "0", "-W", "842", "-H", "120").split())
            for p in range(1, pages + 1)]
    # Phụ lục I: one page, signature block included
    assert "PHỤ LỤC I" in text[0] and "THỦ TRƯỞNG ĐƠN VỊ" in text[0] and "Nguyễn Trọng Sơn" in text[0]
    assert not any("PHỤ LỤC I" in t or "Nguyễn Trọng Sơn" in t for t in text[1:])
    # each chart on one page of its own, every department named on it
    for title in ("Số hồ sơ giải quyết quá hạn theo đơn vị", "Tỷ lệ giải quyết quá hạn theo đơn vị",
                  "Tỷ lệ hồ sơ trực tuyến theo đơn vị"):
        on = [i for i, t in enumerate(tops) if title in t]
        assert len(on) == 1, (title, on)
        page = " ".join(text[on[0]].split())
        assert all(r.unit in page for r in result.rows), title
    assert pages <= 10, pages  # 25 before the page setup
