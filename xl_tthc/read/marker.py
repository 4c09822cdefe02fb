"""The marks xl-tthc leaves in the workbooks it writes, and reading them back.

Every workbook the tool writes carries the custom document property
:data:`FORM_PROPERTY` naming what it is: a form of :mod:`xl_tthc.forms.definitions`
("department_results", "provincial_appendix", …) or the kind of output ("recomputed",
"findings").  A provincial workbook (:data:`PROVINCIAL`) is read as its appendix sheet
(:data:`PROVINCIAL_SHEET`) only: its detail, findings and sources sheets are not
appendices.  On that sheet a department left out of the consolidation is a row whose
label carries :data:`EXCLUDED_MARK` and whose figures are blank.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

__all__ = ["FORM_PROPERTY", "PROVINCIAL", "RECOMPUTED", "PROVINCIAL_SHEET", "EXCLUDED_MARK", "COVERAGE_LABEL", "form_marker"]

FORM_PROPERTY = "xl_tthc_form"
PROVINCIAL = "provincial_appendix"
RECOMPUTED = "recomputed"  # the output of ``xl-tthc recompute`` of a workbook without a mark
PROVINCIAL_SHEET = "Phụ lục I"
EXCLUDED_MARK = "không tổng hợp"  # "Sở Tư pháp (không tổng hợp: xung đột giữa hai tệp)"
COVERAGE_LABEL = "Số đơn vị có số liệu"  # the row under the table stating each column's coverage

_CUSTOM_PART = "docProps/custom.xml"
_MAX_CUSTOM = 1 << 20  # bytes: a custom-properties part is a few hundred
_PROPERTY = re.compile(r'<property\b[^>]*\bname="' + FORM_PROPERTY + r'"[^>]*>\s*<(?:\w+:)?lpwstr\b[^>]*>([^<]*)<')


def form_marker(path: str | Path, data: bytes | None = None) -> str | None:
    """The value of :data:`FORM_PROPERTY` in a zip workbook (its ``data`` when already
    read), None when it has none or is no zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data) if data is not None else Path(path)) as z:
            info = z.getinfo(_CUSTOM_PART)
            if info.file_size > _MAX_CUSTOM:
                return None
            xml = z.read(info).decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, RuntimeError):
        return None
    m = _PROPERTY.search(xml)
    return m.group(1).strip() if m else None
