"""``tally``: dossier exports -> the department form (rows per lĩnh vực) or the provincial
appendix (rows per department, or per province), with the export's findings.

One library call: scan the exports into the canonical view (:mod:`.source`), find the
duplicated ids, run the one count query (:mod:`.counting`), validate the rows it leaves
out with the pandera contract (:mod:`.schema`), then name the groups through the unit and
province registries and lay the counts into a form of :mod:`xl_tthc.forms.definitions`
(:func:`write_tally` saves it with formulas and cached values, a sheet of findings, one
of the digital-service ratios with their definitions and one of the data's summary).

Past one machine: the view and the query are plain SQL, and the same text is what Spark
SQL (or any distributed SQL engine reading the same Parquet) would run; DuckDB is the
engine here, with bounded memory, and nothing of the counting is home-made.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterable

import duckdb
import openpyxl
import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill

from ..consolidate.consolidation import parse_period_option
from ..consolidate.provincial import provincial_form
from ..domain.fields import RESULT_FIELDS, label
from ..domain.issues import Issue, RULES, message, sort_issues
from ..domain.numbers import Number, format_count, round_scaled
from ..domain.periods import Period, with_cutoff
from ..domain.profiles import Profile, load_profile
from ..domain.text import fold
from ..domain.units import PROVINCES, REGISTRY, current_province, match_unit, province_name, split_province
from ..forms.definitions import RATIO_DECIMALS, Form, get_form
from ..forms.templates import Layout, SheetRows, mark_form, save_workbook, write_form
from ..read.table import Column, Row, Table, Value
from .columns import DATE_COLUMNS, LABELS, load_mapping
from .counting import BAD_ROW_COLUMNS, COUNTS, DUPLICATES_SQL, count_sql
from .rejects import encoding_issues, engine_error, note_issues, rejected_lines, shift_rows, status_issues
from .schema import BATCH_ROWS, failures
from .source import DossierError, ExportFile, connect, open_exports

__all__ = ["tally", "write_tally", "TallyResult", "DIGITAL", "DossierError", "SHEETS"]

SHEETS = {"findings": "Phát hiện", "digital": "Chỉ số số hóa", "summary": "Dữ liệu hồ sơ"}
BY = ("field", "unit", "province")
_FORM_INPUTS = ("carried_over", "received_new", "received_online", "received_offline", "resolved_early",
                "resolved_on_time", "resolved_late", "pending_in_time", "pending_overdue", "returned")
_NO_NAME = {"field": ("(Không ghi lĩnh vực)", "(no field)"), "unit": ("(Không ghi đơn vị)", "(no unit)"),
            "province": ("(Không ghi tỉnh)", "(no province)")}

# The digital-service ratios an export's flags give: (ratio field, numerator count,
# denominator count, the flag column it needs, the definition shown on the sheet).
DIGITAL: tuple[tuple[str, str, str, str | None, str], ...] = (
    ("online_rate", "received_online", "received_new", "channel",
     "Số hồ sơ tiếp nhận mới trong kỳ nộp trực tuyến (KenhThucHien = 2) / số hồ sơ tiếp nhận mới trong kỳ."),
    ("online_payment_rate", "paid_online", "received_new", "paid_online",
     "Số hồ sơ tiếp nhận mới trong kỳ đã thanh toán trực tuyến (DuocThanhToanTrucTuyen = 1 qua Cổng DVC quốc gia "
     "hoặc 2 qua cổng của tỉnh) / số hồ sơ tiếp nhận mới trong kỳ."),
    ("digitisation_rate", "digitised", "received_new", "digitised",
     "Số hồ sơ tiếp nhận mới trong kỳ có thành phần hồ sơ được số hóa (HoSoCoThanhPhanSoHoa) / số hồ sơ tiếp "
     "nhận mới trong kỳ."),
    ("e_result_rate", "e_result", "resolved_all", "e_result",
     "Số hồ sơ đã giải quyết trong kỳ (trạng thái 9, 10) được trả kết quả bản điện tử / số hồ sơ đã giải quyết "
     "trong kỳ (không gồm hồ sơ rút)."),
)


@dataclass
class TallyResult:
    """What :func:`tally` counted: ``rows`` (one dict per unit or field, keyed by the
    canonical fields of domain.md), ``total``, ``digital`` (per row: numerators and
    denominators of :data:`DIGITAL`), ``issues``, ``summary`` (rows read, counted, left
    out and why), ``table`` (the rows as a :class:`Table` of the form)."""

    period: Period
    by: str
    profile: Profile
    exports: list[ExportFile]
    rows: list[dict[str, Any]]
    total: dict[str, Any]
    digital: list[dict[str, int]]
    flags: tuple[str, ...]  # the flag columns the exports carry
    issues: list[Issue]
    summary: dict[str, int]
    form: Form
    lang: str = "vi"
    reporter: str | None = None  # the one department all counted dossiers belong to
    table: Table | None = None
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase
    _book: tuple[openpyxl.Workbook, Layout] | None = field(default=None, repr=False)

    @property
    def fields(self) -> list[str]:
        return [c.field for c in self.form.columns if c.kind == "count"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.key, "period_label": self.period.label,
            "period_start": self.period.start.isoformat(), "period_end": self.period.end.isoformat(),
            "by": self.by, "profile": self.profile.name, "fields": self.fields,
            "rows": [dict(r) for r in self.rows],
            "total": {"unit": "Tổng cộng" if self.lang == "vi" else "Total", **self.total},
            "digital": self.digital_ratios(),
            "summary": dict(self.summary),
            "exports": [{"path": e.path, "kind": e.kind, "sheet": e.sheet,
                         "columns": {c: n for c, (_, n) in e.columns.used.items()},
                         "unused": [n for _, n in e.columns.unused]} for e in self.exports],
            "issues": [i.to_dict() for i in self.issues],
        }

    def digital_ratios(self) -> list[dict[str, Any]]:
        out = []
        for r, d in zip(self.rows + [self.total], self.digital + [_sum_dicts(self.digital)]):
            item: dict[str, Any] = {"unit": r.get("unit", "Tổng cộng")}
            for name, num, den, flag, _ in DIGITAL:
                if flag in self.flags:
                    item[name] = None if not d[den] else d[num] / d[den]
                    item[f"{name}_numerator"], item[f"{name}_denominator"] = d[num], d[den]
            out.append(item)
        return out


def _sum_dicts(rows: Iterable[dict[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in rows:
        for k, v in r.items():
            out[k] = out.get(k, 0) + v
    return out


def _period(period: Period | str, profile: Profile) -> Period:
    if isinstance(period, Period):
        return period
    p = parse_period_option(period, None)
    if p is None:
        raise DossierError(str(period), f"không đọc được kỳ báo cáo \"{period}\"; ghi ví dụ 2024-03, 2024-Q1, "
                                        "2024 hoặc \"tháng 03 năm 2024\".",
                           f"cannot read the period {period!r}; write e.g. 2024-03, 2024-Q1, 2024 or "
                           "'tháng 03 năm 2024'.")
    return with_cutoff(p, profile.cutoff_day)


def _column_issues(exports: list[ExportFile], by: str, lang: str) -> list[Issue]:
    issues = []
    needed = {"received_at": ("NgayTiepNhan / Ngày tiếp nhận", "NgayTiepNhan / Ngày tiếp nhận"),
              "status": ("TrangThaiHoSo / Trạng thái", "TrangThaiHoSo / Trạng thái")}
    if by == "field":
        needed["field"] = ("TenLinhVuc / Lĩnh vực (hoặc MaLinhVuc)", "TenLinhVuc / Lĩnh vực (or MaLinhVuc)")
    elif by == "unit":
        needed["unit"] = ("DonViXuLy / Cơ quan giải quyết", "DonViXuLy / Cơ quan giải quyết")
    for e in exports:
        used = set(e.columns.used)
        if by == "province" and "province" not in used and "tinh" not in e.types and "unit" not in used:
            raise DossierError(e.path, "không có cột tỉnh (Tỉnh, hay thư mục tinh=…/) để đếm theo tỉnh.",
                               "no province column (Tỉnh, or a tinh=…/ folder) to count by province.")
        for c, (vi, en) in needed.items():
            if c not in used and not (c == "field" and "field_code" in used):
                where = f" (trang tính {e.sheet})" if e.sheet else ""
                raise DossierError(e.path + where, f"thiếu cột {vi}; đặt tên cột bằng --map nếu tệp gọi khác.",
                                   f"the column {en} is missing; name it with --map if the file calls it otherwise.")
        for c in e.columns.guessed:
            i, name = e.columns.used[c]
            issues.append(Issue(e.path, e.sheet, e.header_row or None, e.letter_of(i, name), None, c, "dossier_column",
                                RULES["dossier_column"], LABELS[c][0], name,
                                message("dossier_column.guessed", lang, found=name, label=LABELS[c][lang == "en"])))
        for i, name in e.columns.unused:
            issues.append(Issue(e.path, e.sheet, e.header_row or None, e.letter_of(i, name), None, None, "dossier_column",
                                RULES["dossier_column"], None, name,
                                message("dossier_column", lang, found=name,
                                        hint="; nếu cần, đặt tên bằng --map" if lang != "en"
                                        else "; name it with --map if needed")))
        for c, (vi, en) in (("channel", ("không tách được trực tuyến / trực tiếp, bưu chính",
                                         "online and offline cannot be told apart")),
                            ("deadline", ("mọi hồ sơ được coi là không có hạn (đúng hạn)",
                                          "every dossier counts as having no deadline (on time)")),
                            ("dossier_id", ("không kiểm tra được hồ sơ trùng", "duplicates cannot be checked"))):
            if c not in used:
                issues.append(Issue(e.path, e.sheet, None, None, None, c, "dossier_column", RULES["dossier_column"],
                                    None, None, message("dossier_column.missing", lang, label=LABELS[c][lang == "en"],
                                                        hint=en if lang == "en" else vi)))
    return issues


def _locate(exports: list[ExportFile]):
    def locate(row, field: str) -> str | None:
        return exports[int(row["src"])].letter(field)
    return locate


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    """The rows left out, typed as the contract (schema.DossierFrame) expects."""
    for c in ("status", "channel", "first_row"):
        df[c] = df[c].astype("Int64")
    for c in ("src", "row"):
        df[c] = df[c].astype("int64")
    for c in ("id_column", "channel_column"):
        df[c] = df[c].astype(bool)
    for c in DATE_COLUMNS:
        df[c] = pd.to_datetime(df[c])
    for c in df.columns:
        if pd.api.types.is_string_dtype(df[c]) and df[c].dtype != object:
            df[c] = df[c].astype(object)  # Python strings: pyarrow's, read one by one, cost ten times more
    return df


def _count(con, sql: str, exports: list[ExportFile], lang: str, clock) -> tuple[list[tuple], list[Issue], int]:
    """Run the count query: its groups, the Issues of the rows it leaves out (validated
    by the contract batch by batch as they arrive) and how many of those the contract
    does not refuse (0)."""
    cur = con.execute(sql)
    sheets = {i: e.sheet for i, e in enumerate(exports)}
    names = [n for n, _ in BAD_ROW_COLUMNS]
    chunk = cur.fetchmany(BATCH_ROWS)
    groups = []
    while chunk and chunk[0][0] == 0:
        split = next((i for i, g in enumerate(chunk) if g[0] != 0), len(chunk))
        groups += [g[1:-2] for g in chunk[:split]]
        chunk = chunk[split:] or cur.fetchmany(BATCH_ROWS)
    clock("count")

    def batches():
        rows = chunk
        while rows:
            records = [r[-2] for r in rows]
            for r in records:
                r["sheet"] = sheets[r["src"]]
            yield _typed(pd.DataFrame.from_records(records, columns=names)), records
            rows = cur.fetchmany(BATCH_ROWS)

    issues, unexplained = failures(batches(), _locate(exports), lang)
    return groups, issues, unexplained


def _group_name(by: str, unit: str | None, province: str | None, fieldname: str | None,
                lang: str) -> tuple[str, str | None]:
    """(the row's label, today's province) of one group of the count query."""
    base, named_province = split_province(unit) if unit else (None, None)
    prov = current_province(province) if province else None
    prov = prov or named_province
    pname = prov.name if prov else None
    if by == "field":
        return (fieldname.strip() if fieldname else _NO_NAME["field"][lang == "en"]), pname
    if by == "province":
        return (province_name(prov) if prov else (province or _NO_NAME["province"][lang == "en"])), pname
    if not unit:
        return _NO_NAME["unit"][lang == "en"], pname
    return match_unit(base or unit, suggest=False).canonical, pname


_REGISTRY_ORDER = {u.name: i for i, u in enumerate(REGISTRY)}
_PROVINCE_ORDER = {province_name(p): i for i, p in enumerate(q for q in PROVINCES if q.after)}


def _order(by: str, name: str) -> tuple[int, str]:
    rank = {"unit": _REGISTRY_ORDER, "province": _PROVINCE_ORDER}.get(by, {})
    return rank.get(name, len(rank)), fold(name)


def _figures(c: dict[str, int], profile: Profile, channels: bool) -> dict[str, Any]:
    on_time = c["resolved_on_time"] + (c["withdrawn"] if profile.returned_in_resolved else 0)
    row: dict[str, Any] = {
        "carried_over": c["carried_over"], "received_new": c["received_new"],
        "received": c["carried_over"] + c["received_new"],
        "resolved_early": c["resolved_early"], "resolved_on_time": on_time, "resolved_late": c["resolved_late"],
        "resolved": c["resolved_early"] + on_time + c["resolved_late"],
        "pending_in_time": c["pending_in_time"], "pending_overdue": c["pending_overdue"],
        "pending": c["pending_in_time"] + c["pending_overdue"],
        "returned": c["withdrawn"],
    }
    if channels:
        row |= {"received_online": c["received_online"],
                "received_offline": c["received_direct"] + c["received_postal"],
                "received_direct": c["received_direct"], "received_postal": c["received_postal"]}
    return {f: row[f] for f in RESULT_FIELDS if f in row}


def _ratio(num: int, den: int) -> Fraction | None:
    return None if den == 0 else Fraction(round_scaled(num, den, RATIO_DECIMALS), 10**RATIO_DECIMALS)


def tally(exports: Iterable[str | Path], period: Period | str, *, by: str = "field",
          profile: Profile | str | None = None, mapping: dict[str, str] | str | Path | None = None,
          unit: str | None = None, province: str | None = None, lang: str = "vi",
          memory_limit: str | None = None, temp_directory: str | None = None,
          threads: int | None = None) -> TallyResult:
    """Count the dossiers of ``exports`` (files or folders of CSV, Parquet, XLSX…) for
    ``period`` (a Period, or "2024-03", "2024-Q1", "tháng 03 năm 2024"…) into rows per
    ``by`` ("field": lĩnh vực, the department form; "unit": department, the provincial
    appendix; "province": today's province).  ``unit``/``province`` keep only the
    dossiers of one department or province (names in any spelling; an old province's
    name means today's).  ``mapping``: {"column as written": canonical name} or its
    TOML/JSON file.  Raises :class:`DossierError` when an export cannot be counted."""
    if by not in BY:
        raise DossierError(by, f"--by phải là một trong {', '.join(BY)}.", f"--by must be one of {', '.join(BY)}.")
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    per = _period(period, prof)
    names = mapping if isinstance(mapping, dict) else load_mapping(mapping)
    clock = _Clock()
    con = connect(memory_limit, temp_directory, threads)
    workdir = tempfile.TemporaryDirectory(prefix="xl_tthc_csv_")
    try:
        skipped: list[DossierError] = []
        scanned = open_exports(con, exports, workdir.name, names, skipped)
        issues = _column_issues(scanned, by, lang) + encoding_issues(scanned, lang)
        issues += [Issue(e.file, None, None, None, None, None, e.rule, RULES[e.rule], None, None, e.text(lang))
                   for e in skipped]
        clock("scan")
        try:
            con.execute(DUPLICATES_SQL)
            clock("duplicates")
            groups, found, unexplained = _count(con, count_sql(per.start, per.end, prof), scanned, lang, clock)
            rejected, lines = rejected_lines(con, scanned, lang)
            issues += shift_rows(found, scanned) + rejected + status_issues(con, scanned, lang) + \
                note_issues(con, scanned, lang)
        except duckdb.Error as e:
            raise engine_error(e, scanned) from None
        clock("validate")
    finally:
        con.close()
        workdir.cleanup()
    if unexplained:
        raise AssertionError(f"{unexplained} rows left out by the SQL checks pass the pandera contract")
    channels = any("channel" in e.columns.used for e in scanned)
    flags = tuple(dict.fromkeys(f for e in scanned for f in ("channel", "paid_online", "digitised", "e_result")
                                if f in e.columns.used))
    wanted_unit = match_unit(split_province(unit)[0], suggest=False).canonical if unit else None
    wanted_province = current_province(province) if province else None
    if province and wanted_province is None:
        raise DossierError(province, f"không nhận ra tỉnh \"{province}\".", f"unknown province {province!r}.")
    merged: dict[str, dict[str, int]] = {}
    provinces: set[str] = set()
    units_seen: set[str] = set()
    summary = dict.fromkeys(("rows", "bad", "never_received", "outside_filter"), 0)
    summary["rows"] = summary["bad"] = lines  # lines DuckDB could not split: read, and left out
    for g in groups:
        u, p, fname = g[0], g[1], g[2]
        counts = dict(zip(COUNTS, g[3:]))
        summary["rows"] += counts["rows"]
        summary["bad"] += counts["bad"]
        summary["never_received"] += counts["never_received"]
        name, pname = _group_name(by, u, p, fname, lang)
        if wanted_unit and _group_name("unit", u, p, None, lang)[0] != wanted_unit or \
                wanted_province and pname != wanted_province.name:
            summary["outside_filter"] += counts["rows"] - counts["bad"]
            continue
        if pname:
            provinces.add(pname)
        if counts["rows"] > counts["bad"] + counts["never_received"]:
            units_seen.add(_group_name("unit", u, p, None, lang)[0])
        acc = merged.setdefault(name, dict.fromkeys(COUNTS, 0))
        for k, v in counts.items():
            acc[k] += v
    if by == "unit" and len(provinces) > 1 and wanted_province is None:
        raise DossierError(", ".join(str(e) for e in exports),
                           f"dữ liệu gồm hồ sơ của {len(provinces)} tỉnh ({', '.join(sorted(provinces))}); chọn "
                           "một tỉnh bằng --province hoặc đếm theo tỉnh bằng --by province.",
                           f"the data covers {len(provinces)} provinces ({', '.join(sorted(provinces))}); choose "
                           "one with --province or count by province with --by province.")
    results = []
    for name, c in merged.items():
        fig = _figures(c, prof, channels)
        if any(fig.values()) or c["rows"] - c["bad"] - c["never_received"] > 0:
            results.append((name, fig, {k: c[k] for k in ("received_new", "received_online", "paid_online",
                                                           "digitised", "e_result", "resolved_all")}))
    results.sort(key=lambda t: _order(by, t[0]))
    summary["counted"] = summary["rows"] - summary["bad"] - summary["never_received"] - summary["outside_filter"]
    summary["units"] = len(results)
    summary["issues_listed"] = sum(1 for i in issues if i.rule == "dossier_invalid")
    rows = [{"unit": n, **fig} for n, fig, _ in results]
    digital = [d for _, _, d in results]
    if by == "unit" and any(n not in _REGISTRY_ORDER and not n.startswith("(") for n, _, _ in results):
        for n, _, _ in results:
            m = match_unit(n)
            if m.unit is None and not m.local and not n.startswith("("):
                hint = f"; gần giống: {', '.join(m.suggestions)}" if m.suggestions else ""
                issues.append(Issue(", ".join(e.path for e in scanned), None, None, None, n, "unit", "unknown_unit",
                                    RULES["unknown_unit"], None, n, message("unknown_unit", lang, found=n, hint=hint)))
    total = {f: sum(r.get(f, 0) for r in rows) for f in RESULT_FIELDS if any(f in r for r in rows)}
    stated = [name for name, _, _, flag, _ in DIGITAL if flag in flags and name != "online_rate"]
    if by == "field":
        form = get_form("department_results")
    else:
        form = provincial_form([{k: v for k, v in r.items() if k != "unit"} for r in rows] or [total],
                               prof.online_denominator, stated)
    result = TallyResult(per, by, prof, scanned, rows, total, digital, flags, sort_issues(issues), summary, form, lang,
                         reporter=next(iter(units_seen)) if len(units_seen) == 1 else None)
    _lay_out(result)
    clock("layout")
    result.timings = clock.times
    return result


class _Clock:
    """Seconds spent in each phase, for benchmarks/tally_bench.py's breakdown."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._last = time.perf_counter()

    def __call__(self, phase: str) -> None:
        now = time.perf_counter()
        self.times[phase] = now - self._last
        self._last = now


def _form_rows(result: TallyResult) -> list[dict[str, Any]]:
    present = {c.field for c in result.form.columns}
    out = []
    for r, d in zip(result.rows, result.digital):
        row = {"unit": r["unit"], **{f: r[f] for f in _FORM_INPUTS if f in r and f in present}}
        for name, num, den, flag, _ in DIGITAL:
            if name in present and name != "online_rate" and flag in result.flags:
                row[name] = _ratio(d[num], d[den])
        out.append(row)
    return out


def _lay_out(result: TallyResult) -> None:
    """The form in a fresh workbook (kept for :func:`write_tally`), and its Table."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = result.form.sheet
    files = ", ".join(sorted({Path(e.path).name for e in result.exports}))
    who = result.reporter if result.by == "field" and result.reporter else f"tổng hợp từ dữ liệu hồ sơ {files}"
    layout = write_form(ws, result.form, _form_rows(result), period_label=result.period.label, unit_label=who)
    mark_form(wb, result.form.name, sheets=[ws.title])
    result._book = (wb, layout)
    result.table = _table(result, layout)


def _value(v: Any) -> Value:
    if v is None or v == "":
        return Value(v)
    x = Fraction(v)
    return Value(v, Number(x), whole=int(x) if x.denominator == 1 and x >= 0 else None)


def _table(result: TallyResult, layout: Layout) -> Table:
    form = result.form
    columns = [Column(i, c.field, c.path) for i, c in enumerate(form.columns)]
    count_fields = [c.field for c in form.columns if c.kind == "count"]
    rows = [Row(layout.first_row - 1 + i, r["unit"], "unit", {f: _value(r.get(f)) for f in count_fields},
                label_column=1) for i, r in enumerate(result.rows)]
    total = Row(layout.total_row - 1, "Tổng cộng", "total", {f: _value(result.total.get(f)) for f in count_fields},
                label_column=1)
    return Table(file="", sheet=form.sheet, form="results", columns=columns,
                 header_rows=list(range(layout.header_rows[0] - 1, layout.header_rows[1])), rows=rows, total=total,
                 unit_column=1, numbering_row=layout.numbering_row - 1, title=form.title, period=result.period,
                 unit_kind="field" if result.by == "field" else "department")


_BOLD = Font(bold=True)
_HEAD = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")


def _head(ws, labels: list[str], widths: list[float]) -> None:
    for c, (text, w) in enumerate(zip(labels, widths), start=1):
        cell = ws.cell(1, c, text)
        cell.font, cell.fill, cell.alignment = _BOLD, _HEAD, _WRAP
        ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width = w
    ws.freeze_panes = "A2"


def _digital_sheet(wb: openpyxl.Workbook, result: TallyResult) -> None:
    ws = wb.create_sheet(SHEETS["digital"])
    chosen = [d for d in DIGITAL if d[3] in result.flags]
    labels = ["Số thứ tự", "Nhóm hồ sơ (theo lĩnh vực)" if result.by == "field" else "Nhóm hồ sơ (theo cơ quan)"]
    for name, num, den, _, _ in chosen:
        labels += [f"{label(name)} (%)", "Tử số", "Mẫu số"]
    _head(ws, labels, [6, 36] + [14, 10, 10] * len(chosen))
    data = result.digital + [_sum_dicts(result.digital)]
    names = [r["unit"] for r in result.rows] + ["Tổng cộng"]
    for i, (n, d) in enumerate(zip(names, data), start=2):
        ws.cell(i, 1, i - 1 if i - 1 <= len(result.rows) else None)
        ws.cell(i, 2, n).font = _BOLD if i - 1 > len(result.rows) else Font()
        for k, (name, num, den, _, _) in enumerate(chosen):
            col = 3 + 3 * k
            r = _ratio(d[num], d[den])
            cell = ws.cell(i, col, None if r is None else float(r))
            cell.number_format = "0.00%"
            ws.cell(i, col + 1, d[num]).number_format = "#,##0"
            ws.cell(i, col + 2, d[den]).number_format = "#,##0"
    r = len(names) + 3
    ws.cell(r, 1, "Định nghĩa").font = _BOLD
    for name, _, _, _, definition in chosen:
        r += 1
        ws.cell(r, 2, label(name)).font = _BOLD
        ws.cell(r, 3, definition).alignment = Alignment(wrap_text=False)
    if not chosen:
        ws.cell(2, 2, "Dữ liệu không có cột kênh nộp, thanh toán trực tuyến, số hóa hay kết quả điện tử.")


def _summary_sheet(wb: openpyxl.Workbook, result: TallyResult) -> None:
    ws = wb.create_sheet(SHEETS["summary"])
    _head(ws, ["Nội dung", "Giá trị"], [60, 80])
    s = result.summary
    p = result.profile
    lines = [
        ("Kỳ báo cáo", f"{result.period.label} (từ ngày {result.period.start:%d/%m/%Y} đến ngày "
                       f"{result.period.end:%d/%m/%Y})"),
        ("Quy ước đếm (profile)", f"{p.name}: so sánh hạn theo {'ngày' if p.deadline_compare == 'date' else 'thời điểm'}; "
                                  f"hồ sơ rút {'tính vào đã giải quyết (đúng hạn)' if p.returned_in_resolved else 'tính riêng'}"
                                  f"{'; cộng thời gian chờ bổ sung vào hạn' if p.subtract_supplement else ''}"),
        ("Số dòng dữ liệu đã đọc", format_count(s["rows"])),
        ("Số hồ sơ được đếm", format_count(s["counted"])),
        ("Số dòng bị loại vì dữ liệu sai (xem trang Phát hiện)", format_count(s["bad"])),
        ("Hồ sơ chưa được tiếp nhận hoặc không được tiếp nhận (trạng thái 1, 3)", format_count(s["never_received"])),
        ("Hồ sơ ngoài đơn vị/tỉnh được chọn", format_count(s["outside_filter"])),
    ]
    for e in result.exports:
        lines.append(("Tệp dữ liệu", e.path + (f" (trang tính {e.sheet})" if e.sheet else "")))
    for i, (k, v) in enumerate(lines, start=2):
        ws.cell(i, 1, k)
        ws.cell(i, 2, v)


def _findings_sheet(wb: openpyxl.Workbook, result: TallyResult) -> SheetRows:
    ws = wb.create_sheet(SHEETS["findings"])
    _head(ws, ["STT", "Tệp", "Trang tính", "Dòng", "Cột", "Đơn vị", "Chỉ tiêu", "Quy tắc", "Mức độ", "Giá trị ghi",
               "Giá trị đúng", "Nội dung"], [6, 40, 12, 8, 6, 30, 18, 18, 10, 22, 22, 90])
    rows = SheetRows(ws)
    severity = {"error": "Lỗi", "warning": "Cảnh báo", "info": "Thông tin"}
    for i, issue in enumerate(result.issues, start=2):
        fieldname = LABELS.get(issue.field, (None, None))[0] if issue.field in LABELS else \
            (label(issue.field) if issue.field else None)
        rows.append(i, [i - 1, issue.file, issue.sheet, issue.row, issue.column, issue.unit, fieldname, issue.rule,
                        severity.get(issue.severity, issue.severity), issue.found, issue.expected, issue.message])
    return rows


def write_tally(result: TallyResult, path: str | Path) -> Path:
    """Save ``result`` as a workbook: the form (formulas with cached values, marked with
    its form name so every command reads it), the digital-service ratios with their
    definitions, the data's summary and the findings.  The caller makes it atomic."""
    if result._book is None:
        _lay_out(result)
    wb, layout = result._book
    _digital_sheet(wb, result)
    _summary_sheet(wb, result)
    findings = _findings_sheet(wb, result)
    save_workbook(wb, path, {wb.worksheets[0].title: layout.cached}, rows=[findings])
    result._book = None  # the sheets were added: lay out afresh for another save
    return Path(path)
