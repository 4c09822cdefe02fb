"""A layout corpus: the same figures written in many real layouts.

Every layout is a list of column groups (a parent header over its children, or a
single column), a kind of rows (departments, fields of procedures, service levels,
periods, procedures), and switches: merged or unmerged parent headers, a numbering
row, a heading row between the header and the data, group headings among the rows, a
stated on-time rate, a second table below on the same sheet.  :func:`write_layout`
writes a real .xlsx; :func:`expected_reading` is what reading it must give, whatever the
layout: one canonical reading of the same figures.  A fault is planted at a logical
cell (a unit, a field), and :func:`cell_of` says where that cell lands in each layout.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import openpyxl

__all__ = ["Layout", "LAYOUTS", "figures", "write_layout", "expected_reading", "cell_of", "ROW_LABELS"]

Spec = tuple[str | None, tuple[tuple[str, str], ...]]  # parent header, ((field, leaf header), …)

ROW_LABELS = {
    "department": ("Sở Tư pháp", "Sở Y tế", "Sở Xây dựng", "Sở Nội vụ", "Sở Tài chính"),
    "field": ("Lĩnh vực Hộ tịch", "Lĩnh vực Chứng thực", "Lĩnh vực Đất đai", "Lĩnh vực Xây dựng",
              "Lĩnh vực Lao động"),
    "level": ("Dịch vụ công trực tuyến toàn trình", "Dịch vụ công trực tuyến một phần", "Mức độ 2",
              "Thủ tục chưa cung cấp trực tuyến", "Tiếp nhận qua bưu chính"),
    "procedure": ("Đăng ký khai sinh", "Cấp bản sao trích lục hộ tịch", "Chứng thực chữ ký",
                  "Cấp giấy phép xây dựng", "Đăng ký kết hôn"),
    "period": ("Tháng 01", "Tháng 02", "Tháng 03", "Tháng 04", "Tháng 05"),
}
ROW_HEADERS = {"department": "Tên đơn vị", "field": "Lĩnh vực", "level": "Mức độ", "procedure": "Tên thủ tục hành chính",
               "period": "Kỳ báo cáo"}
TOTAL_LABELS = {"period": "Lũy kế"}

COUNTS = ("carried_over", "received_online", "received_offline", "resolved_early", "resolved_on_time",
          "resolved_late", "pending_in_time", "pending_overdue")


def figures(rng: random.Random, n: int = 5, chained: bool = False) -> list[dict[str, int]]:
    """``n`` rows of consistent figures, every field of domain.md that the layouts use;
    ``chained``: rows are consecutive periods, each carrying over the last one's pending."""
    out = []
    for _ in range(n):
        carried, online, offline = rng.randint(0, 40), rng.randint(1, 300), rng.randint(1, 300)
        if chained and out:
            carried = out[-1]["pending"]
        received = carried + online + offline
        early = rng.randint(1, received // 2)
        on_time = rng.randint(0, (received - early) // 2)
        late = rng.randint(0, min(9, received - early - on_time))
        pending = received - early - on_time - late
        overdue = rng.randint(0, min(5, pending))
        f = {"carried_over": carried, "received_online": online, "received_offline": offline,
             "resolved_early": early, "resolved_on_time": on_time, "resolved_late": late,
             "pending_in_time": pending - overdue, "pending_overdue": overdue}
        out.append(_complete(f))
    return out


def _complete(f: dict[str, int]) -> dict[str, int]:
    f = dict(f)
    f["received_new"] = f["received_online"] + f["received_offline"]
    f["received"] = f["carried_over"] + f["received_new"]
    f["resolved_in_time"] = f["resolved_early"] + f["resolved_on_time"]
    f["resolved"] = f["resolved_in_time"] + f["resolved_late"]
    f["pending"] = f["pending_in_time"] + f["pending_overdue"]
    return f


def total_of(rows: list[dict[str, int]], kind: str) -> dict[str, int]:
    out = {k: sum(r[k] for r in rows) for k in rows[0]}
    if kind == "period":  # cumulative: opening stock of the first period, closing stock of the last
        out["carried_over"] = rows[0]["carried_over"]
        for k in ("pending", "pending_in_time", "pending_overdue"):
            out[k] = rows[-1][k]
        out["received"] = out["carried_over"] + out["received_new"]
    return out


@dataclass(frozen=True)
class Layout:
    name: str
    groups: tuple[Spec, ...]
    rows: str = "department"
    merged: bool = True
    numbering: bool = False
    heading: bool = False  # "I. Cấp tỉnh" merged across the table between header and data
    groups_in_rows: bool = False  # "I. KHỐI SỞ" / "II. KHỐI KHÁC" headings among the rows
    rate: bool = False  # a stated "Tỷ lệ đúng hạn (%)" column after the counts
    second_table: bool = False
    total: bool = True
    three_level: tuple[str, ...] = ()  # fields under the grandparent "Kết quả giải quyết" (06a)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(f for _, cols in self.groups for f, _ in cols)


# header groups, in the wordings of domain.md and of form 06a
RECEIVED_SOC = ("Số hồ sơ nhận giải quyết", (("received", "Tổng số"), ("carried_over", "Kỳ trước"),
                                             ("received_new", "Số mới tiếp nhận")))
RECEIVED_A = ("Hồ sơ tiếp nhận", (("received", "Tổng số"), ("carried_over", "Kỳ trước chuyển sang"),
                                  ("received_new", "Tiếp nhận mới")))
RECEIVED_B = ("Tổng số hồ sơ tiếp nhận", (("received", "Tổng số"), ("carried_over", "Từ kỳ trước"),
                                          ("received_new", "Trong kỳ")))
RECEIVED_CH = ("Số hồ sơ nhận giải quyết", (("received", "Tổng số"), ("received_online", "Trực tuyến"),
                                            ("received_offline", "Trực tiếp, dịch vụ bưu chính"),
                                            ("carried_over", "Từ kỳ trước")))
NEW_ONLY = (None, (("received_new", "Đã tiếp nhận"),))
RESOLVED_A = ("Đã giải quyết", (("resolved", "Tổng số"), ("resolved_early", "Trước hạn"),
                                ("resolved_on_time", "Đúng hạn"), ("resolved_late", "Quá hạn")))
RESOLVED_B = ("Hồ sơ đã giải quyết", (("resolved", "Tổng số"), ("resolved_early", "Trả trước hạn"),
                                      ("resolved_on_time", "Đúng thời hạn"), ("resolved_late", "Trễ hạn")))
RESOLVED_IN = ("Đã giải quyết", (("resolved", "Tổng số"), ("resolved_in_time", "Trước hạn và đúng hạn"),
                                 ("resolved_late", "Trễ hẹn")))
RESOLVED_XL = ("Đã xử lý", (("resolved", "Tổng số"), ("resolved_in_time", "Đúng hẹn"),
                            ("resolved_late", "Trễ hạn")))
PENDING_A = ("Đang giải quyết", (("pending", "Tổng số"), ("pending_in_time", "Trong hạn"),
                                 ("pending_overdue", "Quá hạn")))
PENDING_B = ("Đang giải quyết", (("pending", "Tổng số"), ("pending_in_time", "Còn hạn"),
                                 ("pending_overdue", "Quá hạn")))
PENDING_C = ("Chưa giải quyết", (("pending", "Tổng số"), ("pending_in_time", "Chưa đến hạn"),
                                 ("pending_overdue", "Quá hạn")))
PENDING_ONLY = (None, (("pending", "Đang giải quyết"),))
# form 06a: "Kết quả giải quyết" over the resolved total directly, then "Số hồ sơ đã giải quyết"
RES_06A = ("Kết quả giải quyết", (("resolved", "Tổng số"),))
RES_06A_PARTS = ("Số hồ sơ đã giải quyết", (("resolved_early", "Trước hạn"), ("resolved_on_time", "Đúng hạn"),
                                           ("resolved_late", "Quá hạn")))
PEN_06A = ("Số hồ sơ đang giải quyết", (("pending", "Tổng số"), ("pending_in_time", "Trong hạn"),
                                        ("pending_overdue", "Quá hạn")))
RES_06A_FULL = ("Số hồ sơ đã giải quyết", (("resolved", "Tổng số"), ("resolved_early", "Trước hạn"),
                                          ("resolved_on_time", "Đúng hạn"), ("resolved_late", "Quá hạn")))


def _layouts() -> list[Layout]:
    base = [
        Layout("soc-trang", (RECEIVED_SOC, RESOLVED_A, PENDING_A)),
        Layout("wording-a", (RECEIVED_A, RESOLVED_B, PENDING_B)),
        Layout("wording-b", (RECEIVED_B, RESOLVED_IN, PENDING_C)),
        Layout("in-time", (RECEIVED_A, RESOLVED_XL, PENDING_A)),
        Layout("channels-06a", (RECEIVED_CH, RESOLVED_A, PENDING_A)),
        Layout("resolved-first", (RESOLVED_A, RECEIVED_SOC, PENDING_A)),
        Layout("pending-first", (PENDING_B, RESOLVED_B, RECEIVED_A)),
        Layout("no-pending", (RECEIVED_SOC, RESOLVED_A)),
        Layout("new-only", (NEW_ONLY, RESOLVED_IN)),
        Layout("pending-total-only", (RECEIVED_A, RESOLVED_A, PENDING_ONLY)),
        Layout("06a-direct", (RECEIVED_CH, RES_06A, RES_06A_PARTS, PEN_06A), three_level=(
            "resolved", "resolved_early", "resolved_on_time", "resolved_late", "pending", "pending_in_time",
            "pending_overdue")),
        Layout("06a-through", (RECEIVED_CH, RES_06A_FULL, PEN_06A), three_level=(
            "resolved", "resolved_early", "resolved_on_time", "resolved_late", "pending", "pending_in_time",
            "pending_overdue")),
    ]
    out = list(base)
    variants = [
        ("unmerged", dict(merged=False)),
        ("numbered", dict(numbering=True)),
        ("heading", dict(heading=True)),
        ("groups", dict(groups_in_rows=True)),
        ("rate", dict(rate=True)),
        ("second", dict(second_table=True)),
        ("fields", dict(rows="field")),
        ("levels", dict(rows="level")),
        ("procedures", dict(rows="procedure")),
        ("periods", dict(rows="period")),
        ("no-total", dict(total=False)),
    ]
    for i, (suffix, kw) in enumerate(variants):
        for b in (base[i % len(base)], base[(i + 5) % len(base)]):
            if kw.get("merged") is False and b.three_level:
                b = base[0]
            out.append(Layout(f"{b.name}+{suffix}", b.groups, **{**_kw(b), **kw}))
    out.append(Layout("06a-direct+numbered+rate+heading", base[10].groups,
                      **{**_kw(base[10]), "numbering": True, "rate": True, "heading": True}))
    out.append(Layout("soc-trang+unmerged+numbered+second", base[0].groups, merged=False, numbering=True,
                      second_table=True))
    out.append(Layout("wording-a+no-total+second", base[1].groups, total=False, second_table=True))
    out.append(Layout("in-time+fields+no-total+second", base[3].groups, rows="field", total=False,
                      second_table=True))
    return out


def _kw(b: Layout) -> dict:
    return {"three_level": b.three_level, "rows": b.rows}


LAYOUTS = _layouts()


def _header(layout: Layout) -> tuple[list[list], list[tuple[int, int, int, int]], list[str]]:
    """Header rows (values), merges (r0, c0, r1, c1; 1-based), and the field of each column."""
    fields = ["stt", "unit"]
    depth = 3 if layout.three_level else 2
    rows = [[None, None] for _ in range(depth)]
    rows[0][0], rows[0][1] = "STT", ROW_HEADERS[layout.rows]
    merges = [(1, 1, depth, 1), (1, 2, depth, 2)]
    col = 3
    grand_start = None
    for parent, cols in layout.groups:
        n = len(cols)
        under_grand = layout.three_level and cols[0][0] in layout.three_level
        top = 1
        if under_grand:
            if grand_start is None:
                grand_start = col
                for r in rows:
                    r.extend([None] * (col + n - 1 - len(r)))
                rows[0][col - 1] = "Kết quả giải quyết"
            top = 2
        for r in rows:
            r.extend([None] * (col + n - 1 - len(r)))
        if parent is None or (parent == "Kết quả giải quyết" and under_grand):
            # a column alone (or 06a's resolved total straight under "Kết quả giải quyết")
            for k, (f, leaf) in enumerate(cols):
                rows[top - 1][col + k - 1] = leaf
                merges.append((top, col + k, depth, col + k))
        else:
            rows[top - 1][col - 1] = parent
            if n > 1 and layout.merged:
                merges.append((top, col, top, col + n - 1))
            for k, (f, leaf) in enumerate(cols):
                rows[top][col + k - 1] = leaf
                if top + 1 < depth:
                    merges.append((top + 1, col + k, depth, col + k))
        fields += [f for f, _ in cols]
        col += n
    if grand_start is not None and layout.merged:
        merges.append((1, grand_start, 1, grand_start + sum(
            len(c) for _, c in layout.groups if c[0][0] in layout.three_level) - 1))
    if layout.rate:
        for r in rows:
            r.append(None)
        rows[0][col - 1] = "Tỷ lệ giải quyết đúng hạn (%)"
        merges.append((1, col, depth, col))
        fields.append("ontime_rate")
    if not layout.merged:
        merges = []  # no merge information at all: the reader fills from the parent on the left
    width = len(fields)
    rows = [r + [None] * (width - len(r)) for r in rows]
    return rows, merges, fields


def _rate(f: dict[str, int]) -> str:
    from fractions import Fraction

    from xl_tthc.domain.numbers import excel_round

    if not f["resolved"]:
        return ""
    x = excel_round(Fraction(f["resolved_in_time"] * 100, f["resolved"]), 2)
    return f"{float(x):.2f}".replace(".", ",")


def write_layout(path: Path, layout: Layout, rows: list[dict[str, int]], cells: dict | None = None) -> Path:
    """Write ``rows`` (and their total) in ``layout``.  ``cells``: {(row index or
    "total", field): value} typed over the figures (a planted fault)."""
    cells = cells or {}
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Biểu 01"
    ws.append(["UBND TỈNH SÓC TRĂNG"])
    ws.append(["KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH QUÝ I NĂM 2024"])
    ws.append([])
    top = 4  # the header band's first row (openpyxl counts the empty row 3 in appending only)
    header, merges, fields = _header(layout)
    for r in header:
        ws.append(r)
    for r0, c0, r1, c1 in merges:
        if (r0, c0) != (r1, c1):
            ws.merge_cells(start_row=top + r0 - 1, start_column=c0, end_row=top + r1 - 1, end_column=c1)
    if layout.numbering:
        ws.append([f"({k})" for k in range(1, len(fields) + 1)])
    if layout.heading:
        ws.append(["I. Cấp tỉnh"])
        ws.merge_cells(start_row=ws._current_row, start_column=1, end_row=ws._current_row, end_column=len(fields))
    labels = ROW_LABELS[layout.rows]
    for i, f in enumerate(rows):
        if layout.groups_in_rows and i in (0, 3):
            ws.append(["I" if i == 0 else "II", "KHỐI SỞ, BAN, NGÀNH" if i == 0 else "KHỐI CƠ QUAN KHÁC"])
        ws.append(_row(i + 1, labels[i], f, fields, {k[1]: v for k, v in cells.items() if k[0] == i}))
    if layout.total:
        t = total_of(rows, layout.rows)
        ws.append(_row(None, TOTAL_LABELS.get(layout.rows, "Tổng cộng"), t, fields,
                       {k[1]: v for k, v in cells.items() if k[0] == "total"}))
    if layout.second_table:
        ws.append([])
        ws.append(["KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH CẤP HUYỆN"])
        ws.append(["STT", "Nơi giải quyết", "Đã tiếp nhận", "Đã giải quyết", "Trễ hạn"])  # no unit header
        ws.append([1, "UBND huyện Kế Sách", 40, 35, 1])
        ws.append([2, "UBND huyện Mỹ Tú", 25, 25, 0])
        ws.append([None, "Tổng cộng", 65, 60, 1])
    wb.save(path)
    return path


def _row(stt, label, f: dict[str, int], fields: list[str], typed: dict) -> list:
    out = []
    for name in fields:
        if name == "stt":
            out.append(stt)
        elif name == "unit":
            out.append(label)
        elif name == "ontime_rate":
            out.append(typed.get(name, _rate(f)))
        else:
            out.append(typed.get(name, f[name]))
    return out


def expected_reading(layout: Layout, rows: list[dict[str, int]]) -> dict:
    """The canonical reading: per unit label (and "total"), every count of the layout."""
    counts = [f for f in layout.fields]
    out = {label: {k: r[k] for k in counts} for label, r in zip(ROW_LABELS[layout.rows], rows)}
    if layout.total:
        t = total_of(rows, layout.rows)
        out["total"] = {k: t[k] for k in counts}
    return out


def cell_of(layout: Layout, unit: int, field_name: str) -> str:
    """The Excel cell of a logical cell (unit index, field) in a layout."""
    _, _, fields = _header(layout)
    depth = 3 if layout.three_level else 2
    row = 4 + depth + layout.numbering + layout.heading + unit
    if layout.groups_in_rows:
        row += 1 + (unit >= 3)
    col = fields.index(field_name)
    return f"{'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[col]}{row}"
