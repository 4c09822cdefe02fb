"""Deterministic, realistic dossier exports, generated in SQL (DuckDB).

:func:`export_sql` is one SELECT over ``range(n)``: every value a hash of the row
number and the seed, so the same ``(n, seed)`` gives the same rows on every machine.
Departments and their fields of procedures, the channels, deadlines of 1–15 days,
dossiers resolved early, on the deadline day (some after its hour) and late, dossiers
finished after any period's end, carried over, still open, waiting for a supplement,
withdrawn, refused, and a few bad rows (a repeated id, a deadline or an end before the
receipt, an unknown status or channel, a finished dossier without an end date, a date
that cannot be read).  :func:`write_export` writes it as Parquet (typed; optionally
hive-partitioned ``tinh=…/thang=…/``), CSV or XLSX, in the portal's spelling (``MaHoSo``,
``yyyyMMddHHmmss``, codes) or a Vietnamese one ("Mã hồ sơ", ``dd/mm/yyyy HH:MM``, names).
Tests and ``benchmarks/tally_bench.py`` both use it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

__all__ = ["UNITS", "export_sql", "write_export", "write_sample", "SAMPLE", "STYLES", "VI_HEADERS"]

# (name as the software writes it, its fields of procedures)
UNITS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Sở Tư pháp", ("Hộ tịch", "Lý lịch tư pháp", "Công chứng")),
    ("Sở Xây dựng", ("Cấp phép xây dựng", "Đường bộ", "Nhà ở")),
    ("Sở Tài chính", ("Đăng ký doanh nghiệp", "Đầu tư", "Ngân sách")),
    ("Sở Nông nghiệp và Môi trường", ("Đất đai", "Môi trường", "Thú y")),
    ("Sở Y tế", ("Dược phẩm", "Khám bệnh, chữa bệnh", "Bảo trợ xã hội")),
    ("Sở Giáo dục và Đào tạo", ("Văn bằng, chứng chỉ", "Giáo dục nghề nghiệp", "Thi, tuyển sinh")),
    ("Sở Công Thương", ("An toàn thực phẩm", "Điện", "Xúc tiến thương mại")),
    ("Sở Nội vụ", ("Lao động", "Người có công", "Thi đua, khen thưởng")),
)
# Provinces of a national export: (name written before 1 July 2025, today's name)
_PROVINCES = ("Lâm Đồng", "Bình Thuận", "Đắk Nông")

STYLES = ("portal", "vi", "codes")
VI_HEADERS = {
    "MaHoSo": "Mã hồ sơ", "MaTTHC": "Mã thủ tục", "TenTTHC": "Thủ tục", "MaLinhVuc": "Mã lĩnh vực",
    "TenLinhVuc": "Lĩnh vực", "KenhThucHien": "Hình thức nộp", "NgayTiepNhan": "Ngày tiếp nhận",
    "NgayHenTra": "Ngày hẹn trả", "TrangThaiHoSo": "Trạng thái", "NgayKetThucXuLy": "Ngày có kết quả",
    "NgayTra": "Ngày trả kết quả", "DonViXuLy": "Cơ quan giải quyết", "DuocThanhToanTrucTuyen": "Thanh toán trực tuyến",
    "HoSoCoThanhPhanSoHoa": "Số hóa", "KetQuaBanDienTu": "Kết quả bản điện tử", "SoNgayBoSung": "Số ngày chờ bổ sung",
    "SoLanBoSung": "Số lần bổ sung", "tinh": "Tỉnh",
}
_VI_STATUS = ("Mới đăng ký", "Được tiếp nhận", "Không được tiếp nhận", "Đang xử lý", "Yêu cầu bổ sung giấy tờ",
              "Yêu cầu thực hiện nghĩa vụ tài chính", "Công dân yêu cầu rút hồ sơ", "Dừng xử lý", "Đã xử lý xong",
              "Đã trả kết quả")
_CODES = ("receiving", "new", "denied", "processing", "waiting", "paying", "cancelled", "unresolved", "releasing",
          "done")
_VI_CHANNEL = ("Trực tiếp", "Trực tuyến", "Dịch vụ bưu chính công ích")


def _lit(values) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def export_sql(n: int, seed: int = 0, *, start: str = "2024-01-01", days: int = 182,
               snapshot: str = "2024-07-10", bad_rate: float = 0.002, provinces: bool = False) -> str:
    """The typed export of ``n`` dossiers received from ``start`` over ``days`` days, as
    the software would show it on ``snapshot`` (nothing ends after it)."""
    units = _lit(u for u, _ in UNITS)
    fields = _lit(f for _, fs in UNITS for f in fs)

    def u(k: int) -> str:
        return f"((hash(i, {seed}, {k}) % 1000003) / 1000003.0)"

    return f"""
WITH a AS (
  SELECT i,
    CAST(floor({u(1)} * {len(UNITS)}) AS INTEGER) AS unit_ix,
    CAST(floor({u(2)} * 3) AS INTEGER) AS field_ix,
    TIMESTAMP '{start} 07:00:00' + to_seconds(CAST(floor({u(3)} * {days} * 86400) AS BIGINT)) AS received,
    {u(4)} AS u_status, {u(5)} AS u_outcome, {u(6)} AS u_shift, {u(7)} AS u_channel, {u(8)} AS u_flag,
    {u(9)} AS u_supp, CASE WHEN {u(10)} < {bad_rate} THEN CAST(floor({u(11)} * 7) AS INTEGER) END AS bad,
    {u(12)} AS u_deadline, CAST(floor({u(13)} * 3) AS INTEGER) AS prov_ix
  FROM range({n}) t(i)
), b AS (
  SELECT *,
    CASE WHEN u_deadline < 0.02 THEN NULL
         ELSE date_trunc('day', received) + to_days(1 + CAST(floor(u_deadline * 1000) AS INTEGER) % 15)
              + INTERVAL 17 HOUR END AS deadline,
    CASE WHEN u_status < 0.01 THEN 1 WHEN u_status < 0.03 THEN 3 WHEN u_status < 0.06 THEN 7
         WHEN u_status < 0.14 THEN 4 WHEN u_status < 0.17 THEN 5 WHEN u_status < 0.18 THEN 6
         WHEN u_status < 0.19 THEN 8 WHEN u_status < 0.29 THEN 9 ELSE 10 END AS status0
  FROM a
), c AS (
  SELECT *,
    CASE WHEN status0 IN (7, 9, 10) THEN
      CASE WHEN deadline IS NULL THEN received + to_hours(1 + CAST(floor(u_shift * 240) AS INTEGER))
           WHEN u_outcome < 0.6 THEN greatest(received + INTERVAL 1 HOUR,
                deadline - to_hours(24 + CAST(floor(u_shift * 72) AS INTEGER)))
           WHEN u_outcome < 0.8 THEN greatest(received + INTERVAL 1 HOUR,
                date_trunc('day', deadline) + to_hours(7 + CAST(floor(u_shift * 14) AS INTEGER)))
           ELSE deadline + to_hours(2 + CAST(floor(u_shift * 240) AS INTEGER)) END END AS ended0
  FROM b
), d AS (
  SELECT *,
    CASE WHEN ended0 > TIMESTAMP '{snapshot} 00:00:00' THEN 4 ELSE status0 END AS status1,
    CASE WHEN ended0 > TIMESTAMP '{snapshot} 00:00:00' THEN NULL ELSE ended0 END AS ended1
  FROM c
)
SELECT
  printf('%06d.%s', CASE WHEN bad = 0 THEN i - 1 ELSE i END, 'HS') AS MaHoSo,
  printf('%d.%03d', unit_ix + 1, field_ix * 10 + CAST(floor(u_flag * 7) AS INTEGER)) AS MaTTHC,
  'Thủ tục ' || (field_ix * 10 + CAST(floor(u_flag * 7) AS INTEGER)) || ' - ' || {fields}[unit_ix * 3 + field_ix + 1]
    AS TenTTHC,
  printf('LV%02d', unit_ix * 3 + field_ix + 1) AS MaLinhVuc,
  {fields}[unit_ix * 3 + field_ix + 1] AS TenLinhVuc,
  CASE WHEN bad = 4 THEN 9 WHEN u_channel < 0.35 THEN 1 WHEN u_channel < 0.95 THEN 2 ELSE 3 END AS KenhThucHien,
  CASE WHEN bad = 6 THEN NULL ELSE received END AS NgayTiepNhan,
  CASE WHEN bad = 1 THEN received - INTERVAL 3 DAY ELSE deadline END AS NgayHenTra,
  CASE WHEN bad = 3 THEN 99 WHEN bad IN (2, 5) THEN 10 ELSE status1 END AS TrangThaiHoSo,
  CASE WHEN bad = 2 THEN received - INTERVAL 2 DAY WHEN bad = 5 THEN NULL ELSE ended1 END AS NgayKetThucXuLy,
  CASE WHEN bad = 2 THEN received - INTERVAL 1 DAY WHEN bad = 5 THEN NULL
       WHEN status1 = 10 THEN ended1 + to_hours(CAST(floor(u_shift * 48) AS INTEGER)) END AS NgayTra,
  {units}[unit_ix + 1] AS DonViXuLy,
  CASE WHEN u_channel >= 0.35 AND u_channel < 0.95 AND u_flag < 0.5 THEN 1 + CAST(u_flag < 0.1 AS INTEGER)
       ELSE 0 END AS DuocThanhToanTrucTuyen,
  CAST(u_flag > 0.3 AS INTEGER) AS HoSoCoThanhPhanSoHoa,
  CAST(status1 IN (9, 10) AND u_shift < 0.4 AS INTEGER) AS KetQuaBanDienTu,
  CASE WHEN u_supp < 0.1 THEN 1 + CAST(floor(u_supp * 50) AS INTEGER) ELSE 0 END AS SoNgayBoSung,
  CASE WHEN u_supp < 0.03 THEN 2 WHEN u_supp < 0.1 THEN 1 ELSE 0 END AS SoLanBoSung
  {f", {_lit(_PROVINCES)}[prov_ix + 1] AS tinh" if provinces else ""}
FROM d ORDER BY i
"""


def _text_sql(style: str, columns: list[str]) -> str:
    """The typed export as the text a CSV of ``style`` carries."""
    def date(c: str) -> str:
        fmt = {"portal": "%Y%m%d%H%M%S", "vi": "%d/%m/%Y %H:%M", "codes": "%Y-%m-%dT%H:%M:%S"}[style]
        text = f"strftime({c}, '{fmt}')"
        if c != "NgayTiepNhan":
            return text
        bad = {"portal": "20240231256100", "vi": "31/02/2024 25:61", "codes": "2024-02-31T25:61:00"}[style]
        return f"coalesce({text}, CASE WHEN TrangThaiHoSo NOT IN (1, 3) THEN '{bad}' END)"

    out = []
    for c in columns:
        if c.startswith("Ngay"):
            e = date(c)
        elif c == "TrangThaiHoSo" and style == "vi":
            e = f"coalesce({_lit(_VI_STATUS)}[TrangThaiHoSo], CAST(TrangThaiHoSo AS VARCHAR))"
        elif c == "TrangThaiHoSo" and style == "codes":
            e = f"coalesce({_lit(_CODES)}[TrangThaiHoSo], CAST(TrangThaiHoSo AS VARCHAR))"
        elif c == "KenhThucHien" and style == "vi":
            e = f"coalesce({_lit(_VI_CHANNEL)}[KenhThucHien], CAST(KenhThucHien AS VARCHAR))"
        elif c in ("HoSoCoThanhPhanSoHoa", "KetQuaBanDienTu") and style == "vi":
            e = f"CASE WHEN {c} = 1 THEN 'Có' ELSE 'Không' END"
        else:
            e = f"CAST({c} AS VARCHAR)"
        name = VI_HEADERS.get(c, c) if style == "vi" else c
        out.append(f"{e} AS \"{name}\"")
    return ", ".join(out)


def write_export(path: str | Path, n: int, seed: int = 0, *, fmt: str | None = None, style: str = "portal",
                 partition: bool = False, con: duckdb.DuckDBPyConnection | None = None, **options) -> Path:
    """Write the export of :func:`export_sql` to ``path``: ``fmt`` parquet (typed; with
    ``partition``, hive folders ``tinh=…/thang=…/`` under ``path``), csv or xlsx
    (default: from the suffix), in ``style`` portal | vi | codes (text formats).
    A row whose receipt date is missing (a bad row) is written, in text, as a date that
    cannot be read."""
    p = Path(path)
    fmt = fmt or ("parquet" if partition else p.suffix.lstrip(".").lower())
    if con is None:
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
    typed = export_sql(n, seed, provinces=partition or options.pop("provinces", False), **options)
    if fmt == "parquet":
        if partition:
            con.execute(f"COPY (SELECT *, strftime(coalesce(NgayTiepNhan, TIMESTAMP '2024-01-01'), '%Y-%m') AS thang "
                        f"FROM ({typed})) TO '{p}' (FORMAT parquet, PARTITION_BY (tinh, thang), OVERWRITE_OR_IGNORE)")
        else:
            con.execute(f"COPY ({typed}) TO '{p}' (FORMAT parquet)")
        return p
    columns = [r[0] for r in con.execute(f"DESCRIBE ({typed})").fetchall()]
    text = f"SELECT {_text_sql(style, columns)} FROM ({typed})"
    if fmt == "csv":
        con.execute(f"COPY ({text}) TO '{p}' (HEADER, DELIMITER ',')")
        return p
    if fmt == "xlsx":
        import openpyxl

        cur = con.execute(text)
        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("Danh sách hồ sơ")
        ws.append(["DANH SÁCH HỒ SƠ TTHC"])
        ws.append([])
        ws.append([d[0] for d in cur.description])
        for row in cur.fetchall():
            ws.append(list(row))
        wb.save(p)
        return p
    raise ValueError(f"unknown export format {fmt!r}: parquet, csv or xlsx")


SAMPLE = "ho-so-mot-cua.csv"


def write_sample(folder: str | Path) -> Path:
    """The shipped sample export (workbooks/samples/ho-so/): 1,500 dossiers of 2024 in the
    Vietnamese spelling, a few of them bad."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    return write_export(Path(folder) / SAMPLE, 1500, 2024, style="vi", bad_rate=0.006)


if __name__ == "__main__":  # python -m xl_tthc.dossiers.generate workbooks/samples/ho-so
    import sys

    print(write_sample(sys.argv[1] if len(sys.argv) > 1 else "workbooks/samples/ho-so"))
