"""The macros behind the ribbon tab "TTHC" (udfs/addin/src/Ribbon.bas runs them with
``RunPython "import udfs.macros; udfs.macros.<name>()"``).

Each reads the active sheet in bulk, asks the core what to change, and applies the
answer through :mod:`udfs.xlwings_adapter`; each takes an optional ``book`` (default:
the calling workbook) so it runs on any xlwings engine.  Problems end in a
Vietnamese message box, never in a Python traceback.
"""

from __future__ import annotations

import functools
import sys
import tempfile
from pathlib import Path

import xlwings as xw

import xl_tthc
from xl_tthc.sheet import flag
from xl_tthc.sheet.edits import AddSheet, ColumnWidth, DeleteSheet, WriteValue
from xl_tthc.read.grid import ReadError
from xl_tthc.domain.numbers import format_count
from xl_tthc.read.reader import find_tables
from xl_tthc.sheet.recompute import recompute_sheet

from . import xlwings_adapter as xa

__all__ = ["recompute", "check", "clear_marks", "consolidate", "insert_template", "narrative", "about",
           "NARRATIVE_SHEET"]

NARRATIVE_SHEET = "Báo cáo TTHC"
_NO_TABLE = ("Không tìm thấy bảng kết quả giải quyết TTHC trên trang tính đang mở; cần một dòng tiêu đề "
             "như \"Tên đơn vị | Đã tiếp nhận | Đã giải quyết …\".")


def _macro(func):
    """Run with the calling book; show any failure as a message box."""

    @functools.wraps(func)
    def run(book=None):
        book = book if book is not None else xw.Book.caller()
        try:
            return func(book)
        except xa.AdapterError as e:
            xa.alert(book, e.text, critical=True)
        except ReadError as e:
            xa.alert(book, e.text("vi"), critical=True)
        return None

    return run


def _cells(cells: list[str], limit: int = 12) -> str:
    shown = ", ".join(cells[:limit])
    return shown + (f" và {len(cells) - limit} ô khác" if len(cells) > limit else "")


@_macro
def recompute(book):
    """Tính lại: restore the formulas of every recognised table on the active sheet."""
    sheet = book.sheets.active
    grid = xa.read_sheet(sheet)
    result = recompute_sheet(grid.sheet, grid.formulas, book.name)
    if not result.tables:
        xa.alert(book, _NO_TABLE)
        return result
    xa.apply(book, result.edits)
    if not result.changes:
        text = "Các công thức đã đúng, không có ô nào cần tính lại."
    else:
        text = f"Đã khôi phục {format_count(len(result.changes))} công thức trong {len(result.tables)} bảng."
        differing = [c.cell for c in result.changes if c.differs]
        if differing:
            text += (f"\n{format_count(len(differing))} ô ghi số khác giá trị tính lại: {_cells(differing)}.")
    xa.alert(book, text)
    return result


def _marks(book) -> tuple[list[flag.Mark], bool]:
    for s in book.sheets:
        if s.name == flag.MARK_SHEET:
            return flag.read_marks(xa.read_values(s)), True
    return [], False


@_macro
def check(book):
    """Kiểm tra: fill the inconsistent cells, note them, list them on "Kiểm tra TTHC"."""
    sheet = book.sheets.active
    if sheet.name in (flag.ISSUE_SHEET, flag.MARK_SHEET):
        xa.alert(book, "Hãy mở trang tính có bảng số liệu rồi bấm Kiểm tra.")
        return None
    grid = xa.read_sheet(sheet)
    if not find_tables(grid.sheet, book.name):
        xa.alert(book, _NO_TABLE)
        return None
    issues = flag.check_sheet(grid.sheet, book.name)
    previous, exists = _marks(book)
    fills = xa.read_fills(sheet, flag.fills_needed(sheet.name, issues, previous))
    noted = xa.noted_cells(sheet, flag.targets(issues))
    edits = flag.flag_edits(sheet.name, issues, fills, noted, previous, exists)
    xa.apply(book, edits)
    errors = sum(i.severity == "error" for i in issues)
    warnings = sum(i.severity == "warning" for i in issues)
    xa.alert(book, f"Kiểm tra xong: {errors} lỗi, {warnings} cảnh báo, đã đánh dấu "
                   f"{len(flag.targets(issues))} ô. Danh sách ở trang \"{flag.ISSUE_SHEET}\".")
    return edits


@_macro
def clear_marks(book):
    """Xóa đánh dấu: restore the fills and remove the notes and sheets of Kiểm tra."""
    marks, exists = _marks(book)
    edits = flag.clear_edits(marks, exists)
    if not edits:
        xa.alert(book, "Không có đánh dấu nào của Kiểm tra trong sổ tính này.")
        return edits
    xa.apply(book, edits)
    xa.alert(book, f"Đã xóa đánh dấu ở {len(marks)} ô và trang \"{flag.ISSUE_SHEET}\".")
    return edits


def _free_path(folder: Path, stem: str) -> Path:
    path, n = folder / f"{stem}.xlsx", 1
    while path.exists():
        n += 1
        path = folder / f"{stem} ({n}).xlsx"
    return path


@_macro
def consolidate(book):
    """Tổng hợp: consolidate a folder of department workbooks into a new workbook."""
    from xl_tthc.consolidate.consolidation import NoInputs, consolidate as consolidate_files
    from xl_tthc.consolidate.provincial import SelfContradiction, write_provincial
    from xl_tthc.domain.output import OutputError, write_atomically

    folder = xa.ask_folder(book, "Chọn thư mục chứa các tệp báo cáo của đơn vị")
    if folder is None:
        return None
    out = _free_path(Path(folder), "Tổng hợp TTHC")
    try:
        result = consolidate_files([folder], exclude=[out], cache=True)  # the same result cache as the command
    except NoInputs as e:
        xa.alert(book, str(e), critical=True)
        return None
    try:
        write_atomically(out, lambda tmp: write_provincial(result, tmp))
    except OutputError as e:
        xa.alert(book, e.text("vi"), critical=True)
        return None
    except SelfContradiction as e:  # a bug of xl-tthc: nothing is written
        first = e.issues[0]
        xa.alert(book, f"Bảng tổng hợp tự mâu thuẫn (lỗi của xl-tthc), không ghi tệp: ô {first.cell}: "
                       f"{first.message}", critical=True)
        return None
    book.app.books.open(str(out))
    failed = len(result.failed)
    xa.alert(book, f"Đã tổng hợp {len(result.rows)} đơn vị vào tệp \"{out.name}\"."
                   + (f" {failed} tệp không tổng hợp được: xem trang nguồn dữ liệu." if failed else ""))
    return out


@_macro
def insert_template(book):
    """Mẫu biểu: add a sheet from one of the official forms."""
    from xl_tthc.forms.definitions import FORMS
    from xl_tthc.forms.templates import save_template

    names = list(FORMS)
    lines = "\n".join(f"{i}. {FORMS[n].appendix.title()} – {FORMS[n].sheet}" for i, n in enumerate(names, 1))
    answer = xa.ask_text(book, f"Chọn mẫu biểu (nhập số):\n{lines}", "1")
    if answer is None:
        return None
    if not answer.strip().isdigit() or not 1 <= int(answer) <= len(names):
        xa.alert(book, f"\"{answer}\" không phải số thứ tự của mẫu biểu (1 đến {len(names)}).", critical=True)
        return None
    name = names[int(answer) - 1]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"{name}.xlsx"
        save_template(name, path)
        xa.copy_first_sheet(book, path)
    return name


@_macro
def narrative(book):
    """Báo cáo: write the summary paragraphs of the active table on "Báo cáo TTHC"."""
    from xl_tthc.prose.narrative import narrative as write_narrative

    grid = xa.read_sheet(book.sheets.active)
    tables = [t for t in find_tables(grid.sheet, book.name) if t.form == "results"]
    if not tables or tables[0].total is None:
        xa.alert(book, _NO_TABLE + " Bảng cần có dòng tổng cộng.")
        return None
    t = tables[0]
    totals = {f: t.total.count(f) for f in t.count_fields}
    units = [{"unit": r.label, **{f: r.count(f) for f in t.count_fields}} for r in t.rows]
    text = write_narrative({f: int(v) for f, v in totals.items() if v is not None},
                           [{k: (int(v) if v is not None and k != "unit" else v) for k, v in u.items()}
                            for u in units], t.period.label if t.period else None)
    edits = [DeleteSheet(NARRATIVE_SHEET), AddSheet(NARRATIVE_SHEET), ColumnWidth(NARRATIVE_SHEET, "A", 120)]
    edits += [WriteValue(NARRATIVE_SHEET, f"A{i}", line) for i, line in enumerate(text.split("\n"), start=1)]
    xa.apply(book, edits)
    return text


@_macro
def about(book):
    """Giới thiệu: version, the Python that runs the macros, where the code comes from."""
    text = (f"Bộ công cụ TTHC (xl_tthc) phiên bản {xl_tthc.__version__}\n"
            f"Python: {sys.executable} ({sys.version.split()[0]})\n"
            f"Thư viện xl_tthc: {Path(xl_tthc.__file__).parent}\n"
            f"Nút trên thanh TTHC và hàm TTHC_*: {Path(__file__).parent}\n"
            f"xlwings {xw.__version__}")
    xa.alert(book, text)
    return text
