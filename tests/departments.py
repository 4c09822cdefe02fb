"""Department workbooks in the real layouts, for the consolidation tests and benchmark.

* ``row``: the Bình Thuận appendix layout (one header row, "Đã tiếp nhận | Đã xử lý |
  Đúng hẹn | Trễ hẹn | Tỷ lệ đúng hẹn (%)"), the department's row and a total row;
* ``full``: the Sóc Trăng layout (three merged header rows, 13 count columns), the
  department's row, the total row and the "Tỷ lệ %" row;
* ``form``: the department result form of :mod:`xl_tthc.forms.definitions` (one row per field of
  procedures, formulas with cached values), department named in the title;
* ``fields``: fields of procedures without a total row, department named in a
  heading line above the table ("SỞ TƯ PHÁP");
* :func:`write_stated`: the ``row`` layout with stated digital-service ratio columns
  (online payment, population database, digitisation, electronic results), as typed
  text ("94,87%") or numbers formatted as % (0.9487), optionally without the
  "Đã tiếp nhận" column (a department that states a rate without its weight).

Every figure is consistent (no finding), so a test can break exactly what it means to.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import openpyxl

import seeds
from xl_tthc.forms.definitions import get_form
from xl_tthc.domain.numbers import format_decimal
from xl_tthc.forms.templates import save_workbook, write_form

LAYOUTS = ("row", "full", "form", "fields")
FIELD_NAMES = ("Hộ tịch", "Chứng thực", "Lý lịch tư pháp", "Quốc tịch", "Nuôi con nuôi", "Luật sư", "Công chứng",
               "Giám định tư pháp", "Trọng tài thương mại", "Hòa giải thương mại", "Đấu giá tài sản", "Thừa phát lại")


@dataclass
class Figures:
    carried_over: int
    received_new: int
    received_online: int
    resolved_early: int
    resolved_on_time: int
    resolved_late: int
    pending_overdue: int
    returned: int = 0

    @property
    def received(self) -> int:
        return self.carried_over + self.received_new

    @property
    def received_offline(self) -> int:
        return self.received_new - self.received_online

    @property
    def resolved(self) -> int:
        return self.resolved_early + self.resolved_on_time + self.resolved_late

    @property
    def resolved_in_time(self) -> int:
        return self.resolved_early + self.resolved_on_time

    @property
    def pending(self) -> int:
        return self.received - self.resolved

    @property
    def pending_in_time(self) -> int:
        return self.pending - self.pending_overdue

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(*(getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__))

    def as_dict(self, layout: str) -> dict[str, int]:
        if layout == "row":
            names = ("received_new", "resolved", "resolved_in_time", "resolved_late")
        else:
            names = ("carried_over", "received_new", "received", "received_online", "resolved", "resolved_early",
                     "resolved_on_time", "resolved_in_time", "resolved_late", "pending", "pending_in_time",
                     "pending_overdue", "returned")
        return {n: getattr(self, n) for n in names}


def random_figures(rng: random.Random, scale: int = 200) -> Figures:
    carried = rng.randint(1, scale // 4)
    new = rng.randint(5, scale)
    online = rng.randint(0, new)
    received = carried + new
    resolved = rng.randint(1, received - 1)
    late = rng.randint(0, resolved // 10)
    early = rng.randint(0, resolved - late)
    on_time = resolved - late - early
    pending = received - resolved
    return Figures(carried, new, online, early, on_time, late, rng.randint(0, pending))


def _pct(num: int, den: int) -> str:
    return "" if den == 0 else format_decimal(Fraction(num * 100, den), 2)


def write_row(path: Path, unit: str, f: Figures, period: str) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    for t in ("PHỤ LỤC", f"Kết quả giải quyết thủ tục hành chính {period}", ""):
        ws.append([t])
    ws.append(seeds.BINH_THUAN_HEADER)
    rate = _pct(f.resolved_in_time, f.resolved) + "%"
    ws.append(["01", unit, f.received_new, f.resolved, f.resolved_in_time, f.resolved_late, rate])
    ws.cell(ws.max_row, 2).data_type = "s"  # a name like "=1+1" is text, as typed after an apostrophe
    ws.append(["", "Tổng cộng", f.received_new, f.resolved, f.resolved_in_time, f.resolved_late, rate])
    wb.save(path)
    return path


STATED_HEADERS = {
    "online_payment_rate": "Tỷ lệ thanh toán trực tuyến (%)",
    "population_db_rate": "Tỷ lệ khai thác CSDL quốc gia về dân cư (%)",
    "digitisation_rate": "Tỷ lệ số hóa hồ sơ (%)",
    "e_result_rate": "Tỷ lệ trả kết quả bản điện tử (%)",
}


def write_stated(path: Path, unit: str, f: Figures, period: str, stated: dict[str, object],
                 received: bool = True) -> Path:
    """The ``row`` layout plus one column per key of ``stated`` (a field of
    STATED_HEADERS): a str is typed as text ("87,5%"), a float is a fraction formatted
    as % (0.875), None a blank cell.  ``received=False`` drops "Đã tiếp nhận"."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    for t in ("PHỤ LỤC", f"Kết quả giải quyết thủ tục hành chính {period}", ""):
        ws.append([t])
    head = list(seeds.BINH_THUAN_HEADER)
    rate = _pct(f.resolved_in_time, f.resolved) + "%"
    values = ["01", unit, f.received_new, f.resolved, f.resolved_in_time, f.resolved_late, rate]
    if not received:
        del head[2], values[2]
    head += [STATED_HEADERS[k] for k in stated]
    ws.append(head)
    for label, first in ((unit, "01"), ("Tổng cộng", "")):
        ws.append([first, label, *values[2:], *stated.values()])
        for c, v in enumerate(stated.values(), start=len(values) + 1):
            if isinstance(v, float):
                ws.cell(ws.max_row, c).number_format = "0.00%"
    wb.save(path)
    return path


def write_full(path: Path, unit: str, f: Figures, period: str) -> Path:
    """The Sóc Trăng layout through tests/seeds.py, retitled for ``period``."""
    row = (unit, f.received, f.carried_over, f.received_new, f.resolved, f.resolved_early, f.resolved_on_time,
           f.resolved_late, f.pending, f.pending_in_time, f.pending_overdue, f.returned, f.received_online,
           f.received_online)
    total = row[1:]
    shares = [_pct(f.received, f.received), _pct(f.carried_over, f.received), _pct(f.received_new, f.received),
              _pct(f.resolved, f.received), _pct(f.resolved_early, f.resolved), _pct(f.resolved_on_time, f.resolved),
              _pct(f.resolved_late, f.resolved), _pct(f.pending, f.received), _pct(f.pending_in_time, f.pending),
              _pct(f.pending_overdue, f.pending), _pct(f.returned, f.received), _pct(f.received_online, f.received),
              ""]
    seeds.soc_trang(path, rows=[row], total=total, ratios=tuple(shares))
    wb = openpyxl.load_workbook(path)
    ws = wb["Phụ lục I"]
    ws["A2"] = f"TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH {period.upper()}"
    ws["A3"] = None
    del wb["Phụ lục II"]
    wb.save(path)
    return path


def write_form_workbook(path: Path, unit: str, parts: list[Figures], period: str) -> Path:
    form = get_form("department_results")
    rows = []
    for name, part in zip(FIELD_NAMES, parts):
        rows.append({"unit": name, **{k: getattr(part, k) for k in form.inputs if k not in ("stt", "unit")}})
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = form.sheet
    layout = write_form(ws, form, rows, period_label=period, unit_label=unit)
    save_workbook(wb, path, {ws.title: layout.cached})
    return path


def write_fields(path: Path, unit: str, parts: list[Figures], period: str) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    for t in ("UBND TỈNH BÌNH THUẬN", unit.upper(), f"BÁO CÁO KẾT QUẢ GIẢI QUYẾT TTHC {period.upper()}", ""):
        ws.append([t])
    ws.append(["STT", "Lĩnh vực", "Kỳ trước chuyển sang", "Tiếp nhận mới", "Tổng số tiếp nhận", "Đã giải quyết",
               "Trước hạn", "Đúng hạn", "Quá hạn", "Đang giải quyết"])
    for i, (name, p) in enumerate(zip(FIELD_NAMES, parts), start=1):
        ws.append([i, name, p.carried_over, p.received_new, p.received, p.resolved, p.resolved_early,
                   p.resolved_on_time, p.resolved_late, p.pending])
    wb.save(path)
    return path


def department(rng: random.Random, layout: str) -> list[Figures]:
    """Random consistent figures: one row for the department layouts, several field rows
    (whose sum is the department's figures) for the field layouts."""
    n = 1 if layout in ("row", "full") else rng.randint(3, 8)
    return [random_figures(rng, 200 if n == 1 else 60) for _ in range(n)]


def total(parts: list[Figures]) -> Figures:
    out = parts[0]
    for p in parts[1:]:
        out = out + p
    return out


def write_department(path: Path, layout: str, unit: str, parts: list[Figures], period: str) -> Path:
    if layout == "row":
        return write_row(path, unit, total(parts), period)
    if layout == "full":
        return write_full(path, unit, total(parts), period)
    if layout == "form":
        return write_form_workbook(path, unit, parts, period)
    return write_fields(path, unit, parts, period)


def expected(layout: str, f: Figures) -> dict[str, int]:
    """The figures a consolidation takes from a department file of ``layout``."""
    d = f.as_dict(layout)
    if layout == "fields":
        for k in ("received_online", "pending_in_time", "pending_overdue", "returned"):
            d.pop(k)
    if layout == "form":
        d["received_offline"] = f.received_offline
    return d
