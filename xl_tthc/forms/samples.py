"""Sample department workbooks for a demo province, from the real seed figures.

Each department's totals are its row of the Sóc Trăng appendix for February 2021 (16/01
to 15/02/2021); two units that only the Bình Thuận appendix has (Ban Dân tộc, with no
dossiers at all, and Ban Quản lý các KCN) complete the list.  A department's totals are
split into rows per field of procedures (lĩnh vực) by dealing its dossiers out evenly,
so every row obeys the identities exactly.

Three workbooks carry the mistakes staff really make (:data:`PLANTED`): a rate typed
over its formula, a rate whose cached value is stale, and a row whose channels do not
add up.  Rebuild the committed set with ``python -m xl_tthc.forms.samples workbooks/samples``.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import openpyxl

from .definitions import get_form
from .templates import mark_form, save_workbook, write_form
from ..domain.text import strip_accents

__all__ = ["PERIOD", "DEPARTMENTS", "Department", "Planted", "PLANTED", "department_rows", "write_samples"]

PERIOD = "tháng 02 năm 2021 (từ ngày 16/01/2021 đến ngày 15/02/2021)"
FORM = "department_results"


@dataclass(frozen=True)
class Department:
    """Seed totals: carried over, new, online (part of new),
    resolved early / on time / late, pending in time / overdue, returned."""

    name: str
    carried_over: int
    received_new: int
    online: int
    early: int
    on_time: int
    late: int
    pending_in_time: int
    pending_overdue: int
    returned: int
    fields: tuple[str, ...]


_D = Department
# Sóc Trăng, Phụ lục I (seeds/004): name, carried, new, online, early, on time, late, in time, overdue,
# returned; the Sóc Trăng "Trước hạn" column counts every dossier resolved in time.
DEPARTMENTS: tuple[Department, ...] = (
    _D("Sở Thông tin và Truyền thông", 0, 5, 5, 5, 0, 0, 0, 0, 0,
       ("Báo chí", "Xuất bản, in và phát hành", "Bưu chính")),
    _D("Sở Công Thương", 2, 611, 540, 612, 0, 0, 1, 0, 0,
       ("Lưu thông hàng hóa trong nước", "An toàn thực phẩm", "Điện", "Xúc tiến thương mại")),
    _D("Sở Giáo dục và Đào tạo", 2, 33, 10, 29, 0, 0, 6, 0, 0,
       ("Văn bằng, chứng chỉ", "Giáo dục và đào tạo thuộc hệ thống giáo dục quốc dân")),
    _D("Sở Giao thông vận tải", 773, 2133, 530, 2489, 0, 0, 417, 0, 0,
       ("Đường bộ", "Đường thủy nội địa", "Đăng kiểm")),
    _D("Sở Kế hoạch và Đầu tư", 14, 214, 99, 226, 0, 0, 2, 0, 0,
       ("Thành lập và hoạt động của doanh nghiệp", "Đầu tư tại Việt Nam", "Thành lập và hoạt động của hợp tác xã")),
    _D("Sở Khoa học và Công nghệ", 2, 2, 2, 3, 0, 0, 1, 0, 0,
       ("Hoạt động khoa học và công nghệ", "Tiêu chuẩn đo lường chất lượng")),
    _D("Sở Lao động - Thương binh và Xã hội", 12, 98, 0, 110, 0, 0, 0, 0, 0,
       ("Việc làm", "Người có công", "Giáo dục nghề nghiệp", "Bảo trợ xã hội")),
    _D("Sở Nội vụ", 33, 175, 153, 78, 0, 0, 130, 0, 0,
       ("Thi đua, khen thưởng", "Công chức, viên chức", "Tôn giáo")),
    _D("Sở Nông nghiệp và Phát triển nông thôn", 38, 476, 476, 483, 0, 0, 31, 0, 0,
       ("Thú y", "Trồng trọt và bảo vệ thực vật", "Thủy sản", "Lâm nghiệp")),
    _D("Sở Tài chính", 0, 11, 9, 11, 0, 0, 0, 0, 0, ("Quản lý giá", "Quản lý công sản")),
    _D("Sở Tài nguyên và Môi trường", 11, 25, 2, 23, 0, 0, 13, 0, 0, ("Đất đai", "Môi trường", "Tài nguyên nước")),
    _D("Sở Tư pháp", 211, 328, 114, 422, 0, 6, 105, 6, 0, ("Lý lịch tư pháp", "Quốc tịch", "Công chứng", "Luật sư")),
    _D("Sở Văn hóa, Thể thao và Du lịch", 1, 29, 6, 30, 0, 0, 0, 0, 0, ("Văn hóa", "Thể dục thể thao", "Du lịch")),
    _D("Sở Xây dựng", 20, 35, 31, 51, 0, 0, 4, 0, 0,
       ("Hoạt động xây dựng", "Quy hoạch xây dựng, kiến trúc", "Nhà ở")),
    _D("Sở Y tế", 64, 92, 8, 66, 0, 0, 90, 0, 0, ("Khám bệnh, chữa bệnh", "Dược phẩm", "Y tế dự phòng")),
    _D("Công an tỉnh", 92, 928, 0, 994, 0, 0, 26, 0, 0,
       ("Quản lý xuất nhập cảnh", "Đăng ký, quản lý con dấu", "Phòng cháy, chữa cháy")),
    _D("Bảo hiểm xã hội tỉnh", 103, 2032, 1131, 2080, 0, 0, 55, 0, 0,
       ("Thu bảo hiểm xã hội", "Cấp sổ, thẻ bảo hiểm", "Chế độ bảo hiểm xã hội")),
    # Bình Thuận, Phụ lục (seeds/000): nothing received; 2 new, 3 resolved, all in time.
    _D("Ban Dân tộc", 0, 0, 0, 0, 0, 0, 0, 0, 0, ("Công tác dân tộc",)),
    _D("Ban Quản lý các KCN", 2, 2, 1, 3, 0, 0, 1, 0, 0, ("Đầu tư", "Lao động", "Xây dựng")),
)
_WEIGHTS = (6, 3, 2, 1)


def _sizes(total: int, k: int) -> list[int]:
    """``total`` split by the weights, largest remainder first."""
    w = _WEIGHTS[:k]
    exact = [Fraction(total * x, sum(w)) for x in w]
    sizes = [int(e) for e in exact]
    for i in sorted(range(k), key=lambda i: (-(exact[i] - sizes[i]), i))[: total - sum(sizes)]:
        sizes[i] += 1
    return sizes


def _deal(counts: dict[str, int], sizes: list[int]) -> list[Counter]:
    """Interleave the categories evenly into one sequence, then cut it into ``sizes``."""
    order = list(counts)
    seq = [k for _, _, k in sorted((Fraction(2 * j + 1, 2 * n), order.index(k), k)
                                   for k, n in counts.items() for j in range(n))]
    out, pos = [], 0
    for s in sizes:
        out.append(Counter(seq[pos:pos + s]))
        pos += s
    return out


def department_rows(d: Department) -> list[dict[str, object]]:
    """The department's input rows per field of procedures, adding up to its totals."""
    received = d.carried_over + d.received_new
    sizes = _sizes(received, len(d.fields))
    sources = _deal({"carried_over": d.carried_over, "received_online": d.online,
                     "received_offline": d.received_new - d.online}, sizes)
    outcomes = _deal({"resolved_early": d.early, "resolved_on_time": d.on_time, "resolved_late": d.late,
                      "pending_in_time": d.pending_in_time, "pending_overdue": d.pending_overdue}, sizes)
    rows = []
    for name, src, out in zip(d.fields, sources, outcomes):
        row: dict[str, object] = {"unit": name}
        row["carried_over"] = src["carried_over"]
        row["received_new"] = src["received_online"] + src["received_offline"]
        row["received_online"], row["received_offline"] = src["received_online"], src["received_offline"]
        for f in ("resolved_early", "resolved_on_time", "resolved_late", "pending_in_time", "pending_overdue"):
            row[f] = out[f]
        row["returned"] = 0
        rows.append(row)
    return rows


@dataclass(frozen=True)
class Planted:
    """A mistake planted in a sample: the department, the row (0-based among its fields),
    the field, and the findings ``xl-tthc check`` must report for it ((cell, rule), the
    cell relative to the sheet)."""

    department: str
    row: int
    field: str
    kind: str  # typed_over | stale_cache | not_adding_up
    findings: tuple[tuple[str, str], ...]


PLANTED: tuple[Planted, ...] = (
    # 100% typed over the on-time rate formula (Lý lịch tư pháp has late dossiers).
    Planted("Sở Tư pháp", 0, "ontime_rate", "typed_over", (("P11", "stale_value"),)),
    # The online rate still shows the value of an earlier draft (calculation left on manual).
    Planted("Sở Giao thông vận tải", 0, "online_rate", "stale_cache", (("Q11", "stale_value"),)),
    # Three in-person dossiers counted twice: online + offline exceeds the new dossiers,
    # on the row and therefore on the total row.
    Planted("Sở Y tế", 1, "received_offline", "not_adding_up",
            (("E12", "received_channels"), ("E14", "received_channels"))),
)


def file_name(i: int, d: Department) -> str:
    slug = "_".join(strip_accents(d.name).replace("-", " ").replace(",", " ").split()).lower()
    return f"{i:02d}_{slug}.xlsx"


def _write_department(d: Department, path: Path) -> None:
    form = get_form(FORM)
    rows = department_rows(d)
    planted = [p for p in PLANTED if p.department == d.name]
    for p in planted:
        if p.kind == "not_adding_up":
            rows[p.row][p.field] = int(rows[p.row][p.field]) + 3  # type: ignore[call-overload]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = form.sheet
    layout = write_form(ws, form, rows, period_label=PERIOD, unit_label=d.name)
    mark_form(wb, form.name)
    for p in planted:
        cell = f"{form.letter(p.field)}{layout.first_row + p.row}"
        if p.kind == "typed_over":
            ws[cell] = 1  # "100%": the formula is gone
            layout.cached.pop(cell)
        elif p.kind == "stale_cache":
            layout.cached[cell] = round(float(layout.cached[cell]) + 0.1, 4)
    save_workbook(wb, path, {ws.title: layout.cached})


def write_samples(folder: str | Path) -> list[Path]:
    """Write one workbook per department of :data:`DEPARTMENTS` into ``folder``."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, d in enumerate(DEPARTMENTS, start=1):
        p = out / file_name(i, d)
        _write_department(d, p)
        paths.append(p)
    return paths


if __name__ == "__main__":
    for p in write_samples(sys.argv[1] if len(sys.argv) > 1 else "workbooks/samples"):
        print(p)
