"""Findings as data: the Issue record, rule ids, severities, and their messages.

An Issue points at one cell (file, sheet, 1-based row, column letter) and says which
rule failed, what was expected and what was found.  Messages are Vietnamese by
default and English on request; every message template lives in ``MESSAGES``.
"""

from __future__ import annotations

import re

from dataclasses import asdict, dataclass, replace
from typing import Any, Iterable

from .numbers import NumberError, format_decimal, parse_number

__all__ = ["Issue", "RULES", "RULE_TITLES", "rule_title", "SEVERITIES", "message", "has_errors", "sort_issues",
           "column_letter", "typed_value"]

SEVERITIES = ("error", "warning", "info")

# Stable rule ids (domain.md).  The value is the default severity.
RULES: dict[str, str] = {
    "received_total": "error",
    "received_channels": "error",
    "resolved_total": "error",
    "pending_total": "error",
    "balance": "error",
    "subset": "error",
    "total_row": "error",
    "carry_over": "error",
    "negative": "error",
    "not_integer": "error",
    "unparseable": "error",
    "missing_value": "warning",
    "formula_error": "error",
    "stale_value": "error",
    "duplicate_unit": "error",
    "unknown_unit": "warning",
    "period_rows": "error",
    "retired_unit": "warning",
    "ratio_mismatch": "error",
    "zero_denominator": "warning",
    "decimal_separator": "warning",
    "narrative_mismatch": "error",
    "denominator_convention": "info",
    "satisfaction_total": "error",
    "range": "error",
    "unreadable": "error",
    "no_table": "warning",
    "period_mismatch": "error",
    "conflict": "error",
    "unweighted_ratio": "warning",
    "partial_coverage": "warning",
    "provincial_skipped": "info",
    "no_input": "error",
    "unrecognised_column": "warning",
    "column_evidence": "info",
    "not_evaluated": "warning",
    "reconcile_mismatch": "error",
    "dossier_invalid": "error",
    "dossier_column": "info",
    "encoding": "warning",
}

# (vi, en) title of each rule id, for a reader who does not know the ids.
RULE_TITLES: dict[str, tuple[str, str]] = {
    "period_rows": ("Bảng theo kỳ không có dòng kỳ báo cáo", "Table of periods without this period's row"),
    "received_total": ("Tổng tiếp nhận = kỳ trước chuyển sang + mới tiếp nhận", "Received = carried over + new"),
    "received_channels": ("Mới tiếp nhận = trực tuyến + trực tiếp, bưu chính", "New = online + offline"),
    "resolved_total": ("Đã giải quyết = trước hạn + đúng hạn + quá hạn", "Resolved = early + on time + late"),
    "pending_total": ("Đang giải quyết = trong hạn + quá hạn", "Pending = in time + overdue"),
    "balance": ("Tiếp nhận = đã giải quyết + đang giải quyết", "Received = resolved + pending"),
    "subset": ("Số thành phần không vượt số tổng", "A part never exceeds its whole"),
    "total_row": ("Dòng tổng khớp tổng các đơn vị", "Total row equals the sum of the units"),
    "carry_over": ("Kỳ trước chuyển sang khớp tồn cuối kỳ trước", "Carried over equals last period's pending"),
    "negative": ("Số âm", "Negative number"),
    "not_integer": ("Số hồ sơ không phải số nguyên", "Count is not a whole number"),
    "unparseable": ("Không đọc được số", "Unreadable number"),
    "missing_value": ("Ô để trống", "Blank cell"),
    "formula_error": ("Công thức trả về lỗi", "Formula error"),
    "stale_value": ("Giá trị không khớp công thức tính lại", "Value disagrees with its recomputation"),
    "duplicate_unit": ("Đơn vị trùng lặp", "Duplicate unit"),
    "unknown_unit": ("Đơn vị không có trong danh mục", "Unknown unit"),
    "retired_unit": ("Đơn vị không còn trong cơ cấu", "Unit no longer exists"),
    "ratio_mismatch": ("Tỷ lệ ghi khác tỷ lệ tính lại", "Stated ratio differs from the recomputed one"),
    "zero_denominator": ("Tỷ lệ ghi khi mẫu số bằng 0", "Ratio stated over a zero denominator"),
    "decimal_separator": ("Dấu thập phân không đúng quy ước", "Decimal separator against the convention"),
    "narrative_mismatch": ("Số liệu trong văn bản khác bảng", "Figure in the text differs from the table"),
    "denominator_convention": ("Quy ước mẫu số của tỷ lệ", "Denominator convention of a ratio"),
    "satisfaction_total": ("Tổng cộng đánh giá = tổng năm cột", "Satisfaction total = the five columns"),
    "range": ("Tỷ lệ ngoài khoảng 0–100%", "Ratio outside 0–100%"),
    "unreadable": ("Không đọc được tệp", "Unreadable file"),
    "no_table": ("Không tìm thấy bảng kết quả", "No result table"),
    "period_mismatch": ("Kỳ báo cáo khác các tệp khác", "Period differs from the other files'"),
    "conflict": ("Hai tệp cùng báo cáo một đơn vị", "Two files report one unit"),
    "unweighted_ratio": ("Tỷ lệ không có số làm trọng số", "Ratio without its weight"),
    "partial_coverage": ("Chỉ tiêu chỉ một số đơn vị báo cáo", "Figure reported by some units only"),
    "provincial_skipped": ("Bảng tổng hợp của tỉnh, không đọc làm tệp đầu vào",
                           "Provincial workbook, not read as an input"),
    "no_input": ("Không có tệp để tổng hợp", "No file to consolidate"),
    "unrecognised_column": ("Cột có số liệu nhưng không nhận ra", "Column with figures not recognised"),
    "column_evidence": ("Căn cứ nhận dạng cột", "What a column was read as, and why"),
    "not_evaluated": ("Quy tắc không kiểm tra được", "Rule not evaluated"),
    "reconcile_mismatch": ("Bảng khác dữ liệu hồ sơ", "Table differs from the dossier data"),
    "dossier_invalid": ("Hồ sơ có giá trị không đọc được", "Dossier with an unreadable value"),
    "dossier_column": ("Cột dữ liệu hồ sơ không dùng để đếm", "Dossier column not used for counting"),
    "encoding": ("Bảng mã của tệp không phải UTF-8", "File not in UTF-8"),
}


def rule_title(rule: str, lang: str = "vi") -> str:
    """The title of rule id ``rule`` in ``lang`` (the id itself for an id without one)."""
    vi, en = RULE_TITLES.get(rule, (rule, rule))
    return en if lang == "en" else vi


# (vi, en) per message key; keys are rule ids or rule ids with a variant suffix.
MESSAGES: dict[str, tuple[str, str]] = {
    "received_total": (
        "Tổng số tiếp nhận {found} khác kỳ trước chuyển sang + tiếp nhận mới = {expected}.",
        "Received {found} differs from carried over + new = {expected}.",
    ),
    "received_channels": (
        "Tiếp nhận mới {found} khác trực tuyến + trực tiếp/bưu chính = {expected}.",
        "New dossiers {found} differ from online + offline = {expected}.",
    ),
    "received_channels.offline": (
        "Trực tiếp, bưu chính {found} khác trực tiếp + bưu chính công ích = {expected}.",
        "Offline {found} differs from direct + postal = {expected}.",
    ),
    "resolved_total": (
        "Đã giải quyết {found} khác trước hạn + đúng hạn + quá hạn = {expected}.",
        "Resolved {found} differs from early + on time + late = {expected}.",
    ),
    "pending_total": (
        "Đang giải quyết {found} khác trong hạn + quá hạn = {expected}.",
        "Pending {found} differs from in time + overdue = {expected}.",
    ),
    "pending_total.due": (
        "Đang giải quyết {found} khác chưa đến hạn + đến hạn + quá hạn = {expected}.",
        "Pending {found} differs from not yet due + due + overdue = {expected}.",
    ),
    "received_total.channels": (
        "Tổng số tiếp nhận {found} khác trực tuyến + trực tiếp/bưu chính + kỳ trước chuyển sang "
        "= {expected}.",
        "Received {found} differs from online + offline + carried over = {expected}.",
    ),
    "unrecognised_column": (
        "Cột {letter} (\"{path}\") có số liệu nhưng không nhận ra là trường nào nên không được "
        "kiểm tra{hint}. Hãy sửa tiêu đề cột hoặc khai báo trong hồ sơ cấu hình "
        "(columns = {{\"{letter}\" = \"{suggested}\"}}).",
        "Column {letter} (\"{path}\") holds figures but matches no field, so it is not checked{hint}. "
        "Fix the header or name it in a profile (columns = {{\"{letter}\" = \"{suggested}\"}}).",
    ),
    "unrecognised_column.known": (
        "Cột {letter} (\"{path}\") có số liệu ({kind}) không thuộc trường nào của mẫu; "
        "không được kiểm tra và không được tổng hợp.",
        "Column {letter} (\"{path}\") holds figures ({kind}) outside the form's fields; "
        "not checked and not consolidated.",
    ),
    "column_evidence": (
        "Cột {letter} (\"{path}\") được hiểu là {label}: {evidence}.",
        "Column {letter} (\"{path}\") is read as {label}: {evidence}.",
    ),
    "column_evidence.conflict": (
        "Cột {letter} (\"{path}\"): tiêu đề gợi ý {header_label} nhưng số liệu cho thấy là {label} "
        "({evidence}); đã đọc theo số liệu, hãy kiểm tra lại tiêu đề.",
        "Column {letter} (\"{path}\"): the header suggests {header_label} but the figures show "
        "{label} ({evidence}); read by the figures, check the header.",
    ),
    "column_evidence.identity": (
        "{identity} sai ở cả {count} dòng: có thể cột {letter} (\"{path}\") hoặc các cột thành phần không "
        "mang nghĩa như tiêu đề đã đọc ({label}); hãy kiểm tra tiêu đề hoặc khai báo cột trong hồ sơ cấu hình.",
        "{identity} fails on all {count} rows: column {letter} (\"{path}\") or its parts may not mean what "
        "their headers were read as ({label}); check the headers or name the columns in a profile.",
    ),
    "not_evaluated": (
        "{count} quy tắc không kiểm tra được vì thiếu cột {label}{hint}.",
        "{count} rules could not be checked because the {label} column is missing{hint}.",
    ),
    "not_evaluated.table": (
        "Bảng không có đẳng thức nào kiểm tra được (không có đủ các cột để đối chiếu tổng với "
        "các thành phần); các số liệu chỉ được kiểm tra từng ô.",
        "No identity of this table could be checked (its columns do not allow any whole to be "
        "compared with its parts); the figures were checked cell by cell only.",
    ),
    "balance": (
        "Tổng tiếp nhận {found} khác đã giải quyết + đang giải quyết = {expected}.",
        "Received {found} differs from resolved + pending = {expected}.",
    ),
    "balance.returned": (
        "Tổng tiếp nhận {found} khác đã giải quyết + đang giải quyết = {expected}; "
        "cân đối nếu cộng thêm hồ sơ trả lại/rút ({extra}): hồ sơ này cần tính vào "
        "\"đã giải quyết\" theo mẫu của tỉnh.",
        "Received {found} differs from resolved + pending = {expected}; it balances once "
        "returned/withdrawn ({extra}) are added: this form counts them beside resolved.",
    ),
    "subset": (
        "{part_label} ({found}) lớn hơn {whole_label} ({expected}).",
        "{part_label} ({found}) exceeds {whole_label} ({expected}).",
    ),
    "total_row": (
        "Dòng tổng: {label} là {found}, tổng các đơn vị là {expected}.",
        "Total row: {label} is {found}, the units add up to {expected}.",
    ),
    "total_row.period": (
        "Dòng lũy kế: {label} là {found}, tính từ các kỳ là {expected} (số phát sinh cộng dồn; "
        "tồn đầu lấy của kỳ đầu, tồn cuối lấy của kỳ cuối).",
        "Cumulative row: {label} is {found}, the periods give {expected} (flows added; the opening "
        "stock of the first period, the closing stock of the last).",
    ),
    "total_row.ratio": (
        "Dòng tổng: {label} ghi {found}, tỷ lệ tính từ các số tổng là {expected} "
        "(tỷ lệ của tổng, không lấy trung bình các tỷ lệ).",
        "Total row: {label} states {found}, the ratio of the sums is {expected} "
        "(a ratio of sums, not an average of ratios).",
    ),
    "carry_over": (
        "Kỳ trước chuyển sang {found} khác số đang giải quyết cuối kỳ trước {expected}.",
        "Carried over {found} differs from last period's pending {expected}.",
    ),
    "negative": (
        "{label} là số âm ({found}).",
        "{label} is negative ({found}).",
    ),
    "not_integer": (
        "{label} phải là số nguyên, ô ghi {found}{hint}.",
        "{label} must be a whole number, the cell holds {found}{hint}.",
    ),
    "unparseable": (
        "{label}: không đọc được \"{found}\" thành số; hãy nhập số như 1.692 hoặc 94,87%.",
        "{label}: cannot read \"{found}\" as a number; type it as 1.692 or 94,87%.",
    ),
    "missing_value": (
        "{label} để trống.",
        "{label} is blank.",
    ),
    "formula_error": (
        "{label}: công thức trả về lỗi {found}; sửa công thức hoặc nhập số.",
        "{label}: the formula returns {found}; fix the formula or type the number.",
    ),
    "stale_value": (
        "{label}: giá trị {found} không khớp với giá trị tính lại {expected}; "
        "hãy tính lại (Tính lại) hoặc khôi phục công thức.",
        "{label}: value {found} disagrees with the recomputed {expected}; "
        "recompute, or restore the formula.",
    ),
    "stale_value.typed": (
        "{label}: công thức đã bị ghi đè bằng số {found}; giá trị đúng là {expected}. "
        "Hãy khôi phục công thức (Tính lại).",
        "{label}: the formula was typed over with {found}; the right value is {expected}. "
        "Restore the formula (recompute).",
    ),
    "duplicate_unit": (
        "Đơn vị \"{found}\" xuất hiện nhiều lần (cũng ở dòng {expected}).",
        "Unit \"{found}\" appears more than once (also on row {expected}).",
    ),
    "unknown_unit": (
        "Không nhận ra đơn vị \"{found}\"{hint}.",
        "Unknown unit \"{found}\"{hint}.",
    ),
    "retired_unit": (
        "Đơn vị \"{found}\" không còn trong cơ cấu kỳ {period}; nay thuộc {expected}.",
        "Unit \"{found}\" no longer exists in the structure of {period}; now part of {expected}.",
    ),
    "ratio_mismatch": (
        "{label} ghi {found}, tính lại là {expected}.",
        "{label} states {found}, recomputed {expected}.",
    ),
    "zero_denominator": (
        "{label} ghi {found} nhưng mẫu số bằng 0; theo quy ước để {expected}.",
        "{label} states {found} but its denominator is 0; the convention is {expected}.",
    ),
    "decimal_separator": (
        "{label} ghi \"{found}\" với dấu {used} thập phân; văn bản dùng dấu {expected} "
        "(viết {suggestion}).",
        "{label} is written \"{found}\" with a {used} decimal; the document uses "
        "{expected} (write {suggestion}).",
    ),
    "denominator_convention": (
        "{label} được tính trên {denominator} (không phải {default}) ở toàn bảng; "
        "đã kiểm tra theo quy ước này.",
        "{label} is computed over {denominator} (not {default}) throughout the table; "
        "checked with that convention.",
    ),
    "satisfaction_total": (
        "Tổng cộng {found} khác tổng năm cột đánh giá {expected}.",
        "Total {found} differs from the sum of the five columns {expected}.",
    ),
    "range": (
        "{label} ghi {found}, ngoài khoảng 0–100%.",
        "{label} states {found}, outside 0–100%.",
    ),
    "unreadable": (
        "Không đọc được tệp: {found}. {hint}",
        "Cannot read the file: {found}. {hint}",
    ),
    "no_table": (
        "Không tìm thấy bảng kết quả giải quyết TTHC nào trong tệp; cần một dòng tiêu đề "
        "như \"Tên đơn vị | Đã tiếp nhận | Đã giải quyết …\".",
        "No TTHC result table found; a header row such as "
        "\"Tên đơn vị | Đã tiếp nhận | Đã giải quyết …\" is needed.",
    ),
    "period_mismatch": (
        "Kỳ báo cáo {found} khác kỳ của các tệp khác ({expected}).",
        "Period {found} differs from the other files' ({expected}).",
    ),
    "conflict": (
        "Hai tệp cùng báo cáo đơn vị \"{unit}\" kỳ {period}: {found} và {expected}; không cộng gộp.",
        "Two files report unit \"{unit}\" for {period}: {found} and {expected}; not summed.",
    ),
    "unweighted_ratio": (
        "Đơn vị \"{unit}\" ghi {found} nhưng không báo cáo {expected} để làm trọng số; "
        "tỷ lệ này không được tính vào số liệu chung của tỉnh.",
        "Unit \"{unit}\" states {found} but does not report {expected} to weigh it by; "
        "this rate is left out of the provincial figure.",
    ),
    "partial_coverage": (
        "{label}: chỉ {found} đơn vị có số liệu; để trống ở dòng tổng vì cộng như vậy sẽ mâu thuẫn với {expected}.",
        "{label}: only {found} units report it; left blank on the total row, as such a sum would contradict "
        "{expected}.",
    ),
    "provincial_skipped": (
        "Tệp là bảng tổng hợp của tỉnh do xl-tthc tạo ra nên không được đọc làm tệp đầu vào; muốn tổng hợp "
        "cả tệp này, hãy ghi đường dẫn của tệp vào lệnh.",
        "A provincial workbook written by xl-tthc, so not read as an input; to consolidate it too, name it "
        "on the command line.",
    ),
    "partial_coverage.totalled": (
        "{label}: dòng tổng là tổng của {found} đơn vị có số liệu.",
        "{label}: the total row sums the {found} units that report it.",
    ),
    "no_input": (
        "Không có tệp báo cáo nào để tổng hợp trong {found}; hãy chỉ ra các tệp .xlsx/.xlsm/.xls/.xlsb/.ods "
        "hoặc thư mục chứa chúng.",
        "No report files to consolidate in {found}; give .xlsx/.xlsm/.xls/.xlsb/.ods files or folders holding "
        "them.",
    ),
    "reconcile_mismatch": (
        "{label}: bảng ghi {found}, dữ liệu hồ sơ cho {expected}.",
        "{label}: the table states {found}, the dossier data gives {expected}.",
    ),
    "reconcile_mismatch.missing_in_export": (
        "Đơn vị \"{unit}\" có trong bảng nhưng không có hồ sơ nào trong dữ liệu kỳ {period}.",
        "Unit \"{unit}\" is in the table but has no dossier in the data of {period}.",
    ),
    "reconcile_mismatch.missing_in_table": (
        "Dữ liệu hồ sơ có đơn vị \"{unit}\" ({found} hồ sơ tiếp nhận) nhưng bảng không có dòng này.",
        "The dossier data has unit \"{unit}\" ({found} dossiers received) but the table has no such row.",
    ),
    "dossier_invalid.date": (
        "{label}: không đọc được ngày \"{found}\"; hãy ghi dd/mm/yyyy HH:MM, yyyyMMddHHmmss hoặc yyyy-mm-dd. "
        "Hồ sơ không được tính.",
        "{label}: cannot read the date \"{found}\"; write dd/mm/yyyy HH:MM, yyyyMMddHHmmss or yyyy-mm-dd. "
        "The dossier is not counted.",
    ),
    "dossier_invalid.status": (
        "Trạng thái hồ sơ \"{found}\" không thuộc mã 1–10 hay tên trạng thái đã biết. Hồ sơ không được tính.",
        "Status \"{found}\" is none of the codes 1–10 or the known names. The dossier is not counted.",
    ),
    "dossier_invalid.channel": (
        "Kênh nộp \"{found}\" không phải 1 (trực tiếp), 2 (trực tuyến) hay 3 (bưu chính công ích). "
        "Hồ sơ không được tính.",
        "Channel \"{found}\" is not 1 (in person), 2 (online) or 3 (postal). The dossier is not counted.",
    ),
    "dossier_invalid.no_receipt": (
        "Hồ sơ ở trạng thái đã tiếp nhận nhưng không có ngày tiếp nhận. Hồ sơ không được tính.",
        "The dossier's status says received but it has no receipt date. The dossier is not counted.",
    ),
    "dossier_invalid.deadline": (
        "Ngày hẹn trả {found} trước ngày tiếp nhận {expected}. Hồ sơ không được tính.",
        "The deadline {found} is before the receipt {expected}. The dossier is not counted.",
    ),
    "dossier_invalid.end": (
        "Ngày kết thúc xử lý {found} trước ngày tiếp nhận {expected}. Hồ sơ không được tính.",
        "The end of processing {found} is before the receipt {expected}. The dossier is not counted.",
    ),
    "dossier_invalid.no_end": (
        "Hồ sơ ở trạng thái \"{found}\" (đã kết thúc) nhưng không có ngày kết thúc xử lý. Hồ sơ không được tính.",
        "The dossier's status \"{found}\" is finished but it has no end date. The dossier is not counted.",
    ),
    "dossier_invalid.duplicate": (
        "Mã hồ sơ \"{found}\" trùng với dòng {expected}; chỉ tính lần đầu.",
        "Dossier id \"{found}\" repeats row {expected}; only the first is counted.",
    ),
    "dossier_invalid.line": (
        "Dòng {found} không tách được thành các cột của tiêu đề ({expected}). Hồ sơ không được tính; sửa dòng này "
        "trong tệp rồi chạy lại.",
        "Line {found} cannot be split into the header's columns ({expected}). The dossier is not counted; fix the "
        "line in the file and run again.",
    ),
    "encoding.cp1258": (
        "Tệp không ở bảng mã UTF-8; đã đọc theo bảng mã Windows-1258 (tiếng Việt). Kiểm tra tên đơn vị, lĩnh vực "
        "trong kết quả; nếu sai, lưu lại tệp dạng \"CSV UTF-8\".",
        "The file is not in UTF-8; it was read as Windows-1258 (Vietnamese). Check the unit and field names in the "
        "result; if they are wrong, save the file again as \"CSV UTF-8\".",
    ),
    "encoding.bad_bytes": (
        "Dòng có byte không đọc được theo UTF-8; đã thay bằng ký tự \"�\" và vẫn đếm. Kiểm tra tên trên dòng này.",
        "The line has bytes that are not UTF-8; they were replaced by \"�\" and the line is counted. Check the "
        "names on this line.",
    ),
    "encoding.bad_more": (
        "Còn {found} dòng khác có byte không đọc được theo UTF-8 (chỉ liệt kê {expected} dòng đầu).",
        "{found} more lines have bytes that are not UTF-8 (only the first {expected} are listed).",
    ),
    "dossier_invalid.more": (
        "Còn {found} dòng khác cùng lỗi ({label}) không liệt kê từng dòng (đã liệt kê {expected} dòng đầu); "
        "các dòng này không được tính.",
        "{found} more rows with the same fault ({label}) are not listed one by one (the first {expected} are); "
        "they are not counted.",
    ),
    "dossier_check.status": ("trạng thái không đọc được", "unreadable status"),
    "dossier_check.channel": ("kênh nộp không đọc được", "unreadable channel"),
    "dossier_check.no_id": ("không có mã hồ sơ", "no dossier id"),
    "dossier_check.no_receipt": ("không có ngày tiếp nhận", "no receipt date"),
    "dossier_check.deadline": ("hẹn trả trước tiếp nhận", "deadline before receipt"),
    "dossier_check.end": ("kết thúc trước tiếp nhận", "end before receipt"),
    "dossier_check.no_end": ("đã kết thúc nhưng không có ngày kết thúc", "finished without an end date"),
    "dossier_check.duplicate": ("mã hồ sơ trùng", "repeated dossier id"),
    "dossier_invalid.no_id": (
        "Dòng không có mã hồ sơ. Hồ sơ không được tính.",
        "The row has no dossier id. The dossier is not counted.",
    ),
    "dossier_column": (
        "Cột \"{found}\" không được dùng để đếm{hint}.",
        "Column \"{found}\" is not used for counting{hint}.",
    ),
    "dossier_column.guessed": (
        "Cột \"{found}\" được hiểu là {label} (theo các từ của tên cột); nếu không đúng, đặt tên bằng --map.",
        "Column \"{found}\" is read as {label} (from the words of its name); if that is wrong, name it with --map.",
    ),
    "dossier_column.month_first": (
        "Cột \"{found}\" ({label}) ghi ngày dạng tháng/ngày/năm (như Excel trên Windows tiếng Anh lưu CSV): đã "
        "đọc theo tháng/ngày/năm.",
        "Column \"{found}\" ({label}) writes dates month first (as Excel on an English Windows saves CSV): read "
        "that way.",
    ),
    "dossier_column.undecided_dates": (
        "Cột \"{found}\" ({label}): không ngày nào lớn hơn 12 nên không phân biệt được ngày/tháng; đã đọc theo "
        "ngày/tháng/năm. Nếu tệp ghi tháng trước, hãy ghi yyyy-mm-dd.",
        "Column \"{found}\" ({label}): no day is over 12, so day and month cannot be told apart; read day "
        "first. If the file writes the month first, write yyyy-mm-dd.",
    ),
    "dossier_column.note": (
        "Dòng này không phải hồ sơ (chỉ có \"{found}\", không có trạng thái và ngày tiếp nhận); không đếm.",
        "This line is no dossier (it holds only \"{found}\", no status and no receipt date); not counted.",
    ),
    "dossier_column.status_guessed": (
        "Trạng thái \"{found}\" ({label} hồ sơ) được hiểu là mã {expected} (theo các từ của nó); nếu không đúng, "
        "sửa trong tệp hoặc ghi mã 1–10.",
        "Status \"{found}\" ({label} dossiers) is read as code {expected} (from its words); if that is wrong, fix "
        "it in the file or write the codes 1–10.",
    ),
    "dossier_column.missing": (
        "Dữ liệu không có cột {label}: {hint}.",
        "The data has no {label} column: {hint}.",
    ),
    "no_input.check": (
        "Không có tệp báo cáo nào để kiểm tra trong {found}; hãy chỉ ra các tệp .xlsx/.xlsm/.xls/.xlsb/.ods "
        "hoặc thư mục chứa chúng.",
        "No report files to check in {found}; give .xlsx/.xlsm/.xls/.xlsb/.ods files or folders holding them.",
    ),
    "narrative_mismatch": (
        "Văn bản ghi {found}, {expected}: \"{quote}\"",
        "The text says {found}, {expected}: \"{quote}\"",
    ),
    "stale_value.restored": (
        "{label}: ô ghi {found}, giá trị tính lại là {expected}; đã khôi phục công thức {formula}.",
        "{label}: the cell held {found}, the recomputed value is {expected}; formula {formula} restored.",
    ),
    "conflict.same": (
        "Hai tệp cùng báo cáo đơn vị \"{unit}\" kỳ {period} với số liệu giống hệt nhau: {found} và "
        "{expected}; chỉ tính một lần.",
        "Two files report unit \"{unit}\" for {period} with identical figures: {found} and {expected}; "
        "counted once.",
    ),
    "period_rows": (
        "Bảng của tệp {found} có các dòng là kỳ (Kỳ trước, Trong kỳ, Lũy kế…) nhưng không có đúng một dòng "
        "\"Trong kỳ\" (hoặc \"Kỳ này\", \"Kỳ báo cáo\"): không tổng hợp được số của kỳ báo cáo. Hãy ghi số "
        "của kỳ vào một dòng \"Trong kỳ\" hoặc dùng biểu mẫu theo đơn vị.",
        "The table of {found} has periods as its rows (Kỳ trước, Trong kỳ, Lũy kế…) but not exactly one "
        "\"Trong kỳ\" row (or \"Kỳ này\", \"Kỳ báo cáo\"): the period's figures cannot be consolidated. "
        "Put the period's figures in one \"Trong kỳ\" row or use the form by unit.",
    ),
    "unknown_unit.source": (
        "Không xác định được đơn vị báo cáo của tệp {found}: hãy ghi tên đơn vị ở đầu trang "
        "(ví dụ \"SỞ TƯ PHÁP\") hoặc đặt tên tệp theo tên đơn vị.",
        "Cannot tell which unit file {found} reports for: write the unit's name above the table "
        "(e.g. \"SỞ TƯ PHÁP\") or name the file after the unit.",
    ),
    "narrative_mismatch.table": (
        "{label}: văn bản ghi {found}, bảng ghi {expected}: \"{quote}\"",
        "{label}: the text says {found}, the table has {expected}: \"{quote}\"",
    ),
    "narrative_mismatch.duplicate": (
        "{label}: văn bản ghi {found} ở đây nhưng ghi {expected} ở dòng {other_row}: \"{quote}\"",
        "{label}: the text says {found} here but {expected} on line {other_row}: \"{quote}\"",
    ),
    "narrative_mismatch.subset": (
        "{label} ({found}) lớn hơn {whole_label} ({expected}) ghi ở dòng {other_row}: \"{quote}\"",
        "{label} ({found}) exceeds {whole_label} ({expected}) stated on line {other_row}: \"{quote}\"",
    ),
    "narrative_mismatch.sum": (
        "{label} ghi {found}, nhưng {parts} = {expected}: \"{quote}\"",
        "{label} is stated as {found}, but {parts} = {expected}: \"{quote}\"",
    ),
    "narrative_mismatch.at": (
        "(dòng {row}, ký tự {offset})",
        "(line {row}, character {offset})",
    ),
    "no_table.crosscheck": (
        "Không đọc được bảng kết quả giải quyết TTHC nào trong {found}; số liệu trong văn bản chỉ được "
        "đối chiếu với nhau, không với bảng. Kiểm tra tệp bằng lệnh xl-tthc check.",
        "No TTHC result table could be read in {found}; the text's figures are checked against each "
        "other only, not against the table. Check the file with xl-tthc check.",
    ),
    "narrative_mismatch.percent": (
        "{label}: văn bản ghi {found}, nhưng {numerator}/{denominator} = {expected}: \"{quote}\"",
        "{label}: the text says {found}, but {numerator}/{denominator} = {expected}: \"{quote}\"",
    ),
}


# messages whose values are quoted as the cell or the text writes them, in either language
_AS_WRITTEN = ("decimal_separator", "unparseable", "not_integer", "narrative_mismatch", "formula_error")


def message(key: str, lang: str = "vi", **params: Any) -> str:
    """Render the message ``key`` in ``lang`` ("vi" or "en").  In English the expected and
    found numbers are written the English way (1,692; 94.87%), except where the message
    quotes how the cell is written."""
    vi, en = MESSAGES[key]
    template = en if lang == "en" else vi
    params = {k: ("" if v is None else v) for k, v in params.items()}
    if lang == "en" and key.partition(".")[0] not in _AS_WRITTEN:
        for k in ("expected", "found"):
            if isinstance(params.get(k), str):
                params[k] = english_number(params[k])
    return template.format_map(_Defaults(params))


def english_number(text: str) -> str:
    """A number written the Vietnamese way ("1.692", "94,87%") written the English way
    ("1,692", "94.87%"); any other text unchanged."""
    try:
        n = parse_number(text)
    except (NumberError, ValueError, TypeError):
        return text
    if n is None or n.style == "en":
        return text
    return format_decimal(n.value, n.decimals, "en") + ("%" if n.percent else "")


class _Defaults(dict):
    def __missing__(self, key: str) -> str:
        return ""


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def column_letter(index: int) -> str:
    """0-based column index to an Excel letter: 0 -> A, 27 -> AB."""
    n = index + 1
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = _LETTERS[r] + out
    return out


@dataclass(frozen=True)
class Issue:
    """One finding, positioned at a cell.  ``row`` is the 1-based Excel row, ``column``
    the Excel letter.  ``rule`` is a stable rule id of domain.md."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    unit: str | None
    field: str | None
    rule: str
    severity: str
    expected: str | None
    found: str | None
    message: str

    @property
    def cell(self) -> str:
        """"G12" in a sheet or a CSV file; "NgayHenTra #9510" (the column's name, the
        record's number) where columns have names and no letters (Parquet)."""
        if self.column and self.row:
            return f"{self.column}{self.row}" if _COLUMN_LETTERS.fullmatch(self.column) else f"{self.column} #{self.row}"
        if self.row:
            return str(self.row)
        return ""

    def to_dict(self) -> dict[str, Any]:
        """The record for JSON: ``expected``/``found`` typed (a count as an int, a decimal
        as a float, a percentage as its fraction: "94,87%" -> 0.9487; other text as
        text), and as written in ``expected_text``/``found_text``."""
        out = asdict(self)
        out["expected"], out["found"] = typed_value(self.expected), typed_value(self.found)
        out["expected_text"], out["found_text"] = self.expected, self.found
        return out

    def with_file(self, file: str) -> "Issue":
        return replace(self, file=file)


def typed_value(text: str | None) -> int | float | str | None:
    """A finding's value as a number when it is one (Vietnamese writing: 1.692, 94,87%)."""
    if text is None:
        return None
    try:
        n = parse_number(text)
    except (NumberError, ValueError, TypeError):
        return text
    if n is None:
        return text
    value = n.value / 100 if n.percent else n.value
    return int(value) if value.denominator == 1 else float(value)


def has_errors(issues: Iterable[Issue]) -> bool:
    return any(i.severity == "error" for i in issues)


_COLUMN_LETTERS = re.compile(r"[A-Z]{1,3}")


def _col_key(col: str | None) -> tuple[int, str]:
    return (len(col or ""), col or "")


def sort_issues(issues: Iterable[Issue]) -> list[Issue]:
    """Reading order: file, sheet, row, column, rule."""
    return sorted(
        issues,
        key=lambda i: (i.file, i.sheet or "", i.row or 0, _col_key(i.column), i.rule, i.field or ""),
    )
