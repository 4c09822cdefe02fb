"""Counting a portal-style dossier CSV in plain Python, from domain.md's rules, without
any of xl_tthc's code: the independent reading the tally is compared with."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

BAD = object()


def _date(text: str):
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y%m%d%H%M%S")
    except ValueError:
        return BAD


def read_rows(path: Path) -> tuple[list[dict], set[int]]:
    """The rows of the CSV with parsed values, and the line numbers of the bad ones."""
    rows, bad, seen = [], set(), set()
    with path.open(encoding="utf-8", newline="") as f:
        for line, r in enumerate(csv.DictReader(f), start=2):
            d = {k: _date(r[k]) for k in ("NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayTra")}
            st = r["TrangThaiHoSo"]
            status = int(st) if st.isdigit() and 1 <= int(st) <= 10 else None
            ch = r["KenhThucHien"]
            channel = int(ch) if ch in ("1", "2", "3") else None
            wrong = any(v is BAD for v in d.values()) or status is None or channel is None or not r["MaHoSo"]
            if r["MaHoSo"] in seen:
                wrong = True
            seen.add(r["MaHoSo"])
            rec, dl, end = d["NgayTiepNhan"], d["NgayHenTra"], d["NgayKetThucXuLy"] or d["NgayTra"]
            if not wrong:
                if rec is None and status not in (1, 3):
                    wrong = True
                elif rec is not None and dl is not None and dl.date() < rec.date():
                    wrong = True
                elif rec is not None and end is not None and end.date() < rec.date():
                    wrong = True
                elif status in (7, 9, 10) and end is None:
                    wrong = True
            if wrong:
                bad.add(line)
                continue
            rows.append({"line": line, "unit": r["DonViXuLy"], "field": r["TenLinhVuc"], "status": status,
                         "channel": channel, "received": rec, "deadline": dl,
                         "ended": end if status in (7, 9, 10) else None,
                         "paid": r["DuocThanhToanTrucTuyen"] in ("1", "2"),
                         "supp_days": int(r["SoNgayBoSung"] or 0), "supp_n": int(r["SoLanBoSung"] or 0)})
    return rows, bad


def count(rows: list[dict], start: date, end: date, by: str, *, timestamp: bool = False, supplement: bool = False,
          repeat_late: bool = False, waiting_in_time: bool = True, returned_in_resolved: bool = True) -> dict:
    s = datetime.combine(start, datetime.min.time())
    e = datetime.combine(end + timedelta(days=1), datetime.min.time())
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        if r["status"] in (1, 3):
            continue
        c = out[r[by]]
        rec, ended = r["received"], r["ended"]
        dl = r["deadline"]
        if dl is not None and supplement:
            dl = dl + timedelta(days=r["supp_days"])
        if rec < s and (ended is None or ended >= s):
            c["carried_over"] += 1
        if s <= rec < e:
            c["received_new"] += 1
            c[{1: "received_direct", 2: "received_online", 3: "received_postal"}[r["channel"]]] += 1
            c["paid"] += r["paid"]
        if ended is not None and s <= ended < e:
            if r["status"] == 7:
                c["returned"] += 1
                if returned_in_resolved:
                    c["resolved_on_time"] += 1
            else:
                if dl is None:
                    late = False
                elif timestamp:
                    late = ended > dl
                else:
                    late = ended.date() > dl.date()
                late = late or (repeat_late and r["supp_n"] > 1)
                if late:
                    c["resolved_late"] += 1
                elif dl is not None and ended.date() < dl.date():
                    c["resolved_early"] += 1
                else:
                    c["resolved_on_time"] += 1
        if rec < e and (ended is None or ended >= e):
            waiting = waiting_in_time and r["status"] in (5, 6, 8)
            overdue = dl is not None and not waiting and (dl < e if timestamp else dl.date() < end)
            c["pending_overdue" if overdue else "pending_in_time"] += 1
    result = {}
    for k, c in out.items():
        c = dict(c)
        row = {f: c.get(f, 0) for f in ("carried_over", "received_new", "received_online", "resolved_early",
                                        "resolved_on_time", "resolved_late", "pending_in_time", "pending_overdue",
                                        "returned")}
        row["received_offline"] = c.get("received_direct", 0) + c.get("received_postal", 0)
        row["received"] = row["carried_over"] + row["received_new"]
        row["resolved"] = row["resolved_early"] + row["resolved_on_time"] + row["resolved_late"]
        row["pending"] = row["pending_in_time"] + row["pending_overdue"]
        row["paid"] = c.get("paid", 0)
        result[k] = row
    return result
