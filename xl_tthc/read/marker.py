"""The marks xl-tthc leaves in the workbooks it writes, and reading them back.

Every workbook the tool writes carries the custom document property
:data:`FORM_PROPERTY` naming what it is: a form of :mod:`xl_tthc.forms.definitions`
("department_results", "provincial_appendix", …) or the kind of output ("recomputed",
"findings").  A provincial workbook (:data:`PROVINCIAL`) is read as its appendix sheet
(:data:`PROVINCIAL_SHEET`) only: its detail, findings and sources sheets are not
appendices.  Any other workbook of ours whose extra sheets are no appendices (a tally's
summary and findings sheets) names its form sheets in :data:`SHEETS_PROPERTY` (tab
separated), and only those are read.  On the provincial appendix a department left out of the consolidation is a row whose
label carries :data:`EXCLUDED_MARK` and whose figures are blank.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from pathlib import Path

from .untrusted import inflate, read_untrusted

__all__ = ["FORM_PROPERTY", "SHEETS_PROPERTY", "PROVINCIAL", "RECOMPUTED", "PROVINCIAL_SHEET", "EXCLUDED_MARK", "COVERAGE_LABEL", "form_marker"]

FORM_PROPERTY = "xl_tthc_form"
SHEETS_PROPERTY = "xl_tthc_form_sheets"  # the sheets that hold the form, where others do not
PROVINCIAL = "provincial_appendix"
RECOMPUTED = "recomputed"  # the output of ``xl-tthc recompute`` of a workbook without a mark
PROVINCIAL_SHEET = "Phụ lục I"
EXCLUDED_MARK = "không tổng hợp"  # "Sở Tư pháp (không tổng hợp: xung đột giữa hai tệp)"
COVERAGE_LABEL = "Số đơn vị có số liệu"  # the row under the table stating each column's coverage

_CUSTOM_PART = "docProps/custom.xml"
_CUSTOM_NAME = _CUSTOM_PART.encode()
_MAX_CUSTOM = 1 << 20  # bytes: a custom-properties part is a few hundred


def _property(name: str) -> re.Pattern:
    return re.compile(r'<property\b[^>]*\bname="' + name + r'"[^>]*>\s*<(?:\w+:)?lpwstr\b[^>]*>([^<]*)<')


_PROPERTY = _property(FORM_PROPERTY)
_SHEETS = _property(SHEETS_PROPERTY)


def form_marker(path: str | Path, data: bytes | None = None) -> str | None:
    """The value of :data:`FORM_PROPERTY` in a zip workbook (its ``data`` when already
    read), None when it has none or is no zip."""
    return form_marks(path, data)[0]


def form_marks(path: str | Path, data: bytes | None = None) -> tuple[str | None, tuple[str, ...] | None]:
    """(form marker, the sheets to read) of a zip workbook: the sheets are
    :data:`SHEETS_PROPERTY`'s, or :data:`PROVINCIAL_SHEET` of a provincial workbook,
    or None (every sheet)."""
    try:
        if data is None:
            data = read_untrusted(path)
        if _CUSTOM_NAME not in data:
            return None, None  # no member of that name (a zip stores names as they are): no mark
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            xml = inflate(str(path), data, z.getinfo(_CUSTOM_PART), _MAX_CUSTOM).decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - no zip, no such part, encrypted, deflate64, a bomb …: no mark
        return None, None
    m = _PROPERTY.search(xml)
    marker = html.unescape(m.group(1)).strip() if m else None
    listed = _SHEETS.search(xml)
    if listed:
        return marker, tuple(n for n in html.unescape(listed.group(1)).split("\t") if n)
    return marker, (PROVINCIAL_SHEET,) if marker == PROVINCIAL else None
