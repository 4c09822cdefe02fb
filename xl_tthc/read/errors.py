"""The error of a file that cannot be read, and the one place that turns anything raised
while one file is read into such an error (the file's error boundary)."""

from __future__ import annotations

from typing import Any

__all__ = ["ReadError", "unexpected_error"]


class ReadError(Exception):
    """A workbook (or sheet) that cannot be read.  ``reason`` says what happened in
    Vietnamese, ``reason_en`` in English, ``hint`` what to do; ``sheet``/``cell``
    position it when known."""

    def __init__(self, file: str, reason: str, hint: str = "", *, reason_en: str = "",
                 hint_en: str = "", sheet: str | None = None, cell: str | None = None):
        self.file, self.reason, self.hint = file, reason, hint
        self.reason_en, self.hint_en = reason_en or reason, hint_en or hint
        self.sheet, self.cell = sheet, cell
        where = ":".join(x for x in (file, sheet or "", cell or "") if x)
        super().__init__(f"{where}: {self.reason_en}. {self.hint_en}".strip())

    def text(self, lang: str = "vi") -> str:
        reason, hint = (self.reason_en, self.hint_en) if lang == "en" else (self.reason, self.hint)
        return f"{reason}. {hint}".strip()

    def __reduce__(self) -> tuple[Any, ...]:  # keyword-only fields: pickled for worker processes
        return _rebuild, (self.file, self.reason, self.hint, self.reason_en, self.hint_en, self.sheet, self.cell)


def _rebuild(file: str, reason: str, hint: str, reason_en: str, hint_en: str, sheet: str | None,
             cell: str | None) -> ReadError:
    return ReadError(file, reason, hint, reason_en=reason_en, hint_en=hint_en, sheet=sheet, cell=cell)


def _short(e: BaseException, limit: int = 200) -> str:
    text = " ".join(str(e).split())
    return f"{type(e).__name__}: {text[:limit]}{'…' if len(text) > limit else ''}" if text else type(e).__name__


def unexpected_error(file: str, e: BaseException) -> ReadError:
    """Whatever was raised while one file was read and checked, as that file's error:
    the run goes on with the other files."""
    if isinstance(e, ReadError):
        return e
    if isinstance(e, MemoryError):
        return ReadError(file, "tệp cần quá nhiều bộ nhớ để đọc (nghi là tệp hỏng hoặc độc hại)",
                         "Hãy mở bằng Excel, sao chép bảng số liệu sang sổ tính mới rồi gửi lại.",
                         reason_en="reading the file needs too much memory (damaged or malicious?)",
                         hint_en="Open it in Excel, copy the table to a new workbook and resend it.")
    if isinstance(e, RecursionError):
        e = RecursionError("nested too deeply")
    return ReadError(file, f"tệp có cấu trúc bất thường, không đọc được ({_short(e)})",
                     "Hãy mở bằng Excel, lưu lại dưới dạng .xlsx và gửi lại.",
                     reason_en=f"the file has an unusual structure and cannot be read ({_short(e)})",
                     hint_en="Open it in Excel, save it as .xlsx and resend it.")
