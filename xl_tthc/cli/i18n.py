"""The command line's language: Vietnamese by default, English with ``--lang en`` or
``XL_TTHC_LANG=en``, for our own help texts and for click's messages.

``set_lang`` is called before click parses anything (by ``common.XlCommand.main``), so
usage errors and ``--help`` speak the chosen language even when ``--lang`` comes after
the error.  Click's messages are translated by replacing the ``_``/``ngettext`` that each
click module imported from gettext with ``gettext_vi``/``ngettext_vi`` below, which
look the English text up in ``CLICK_VI`` (English mode returns it unchanged).
"""

from __future__ import annotations

import importlib
import os
from typing import Sequence

__all__ = ["LANGS", "ENV", "current_lang", "set_lang", "detect_lang", "tr", "install_click_messages"]

LANGS = ("vi", "en")
ENV = "XL_TTHC_LANG"
_state = {"lang": "vi"}


def current_lang() -> str:
    return _state["lang"]


def set_lang(lang: str) -> None:
    _state["lang"] = lang if lang in LANGS else "vi"


def detect_lang(args: Sequence[str]) -> str:
    """The language asked for on the command line (``--lang en``, ``--lang=en``), else by
    ``XL_TTHC_LANG``, else Vietnamese.  Arguments after ``--`` are not options."""
    for k, a in enumerate(args):
        if a == "--":
            break
        if a == "--lang" and k + 1 < len(args):
            return args[k + 1] if args[k + 1] in LANGS else "vi"
        if a.startswith("--lang="):
            value = a.split("=", 1)[1]
            return value if value in LANGS else "vi"
    env = os.environ.get(ENV, "").strip().lower()
    return env if env in LANGS else "vi"


def tr(vi: str, en: str) -> str:
    """The text in the current language."""
    return en if current_lang() == "en" else vi


# click's own messages (click 8.1–8.5), English msgid -> Vietnamese.
CLICK_VI: dict[str, str] = {
    "Usage:": "Cách dùng:",
    "Options": "Tùy chọn",
    "Positional arguments": "Đối số",
    "Commands": "Lệnh",
    "Aborted!": "Đã hủy!",
    "deprecated": "không còn dùng",
    "Error: {message}": "Lỗi: {message}",
    "Try '{command} {option}' for help.": "Gõ '{command} {option}' để xem hướng dẫn.",
    "Invalid value: {message}": "Giá trị không hợp lệ: {message}",
    "Invalid value for {param_hint}: {message}": "Giá trị không hợp lệ cho {param_hint}: {message}",
    "Missing argument": "Thiếu đối số",
    "Missing option": "Thiếu tùy chọn",
    "Missing parameter": "Thiếu tham số",
    "Missing {param_type}": "Thiếu {param_type}",
    "Missing parameter: {param_name}": "Thiếu tham số: {param_name}",
    "Missing command.": "Thiếu lệnh.",
    "No such option: {name}": "Không có tùy chọn {name}",
    "No such option {name!r}.": "Không có tùy chọn {name!r}.",
    "No such command {name!r}.": "Không có lệnh {name!r}.",
    "Could not open file {filename!r}: {message}": "Không mở được tệp {filename!r}: {message}",
    "unknown error": "lỗi không rõ",
    "Show this message and exit.": "Hiện hướng dẫn này rồi thoát.",
    "Show the version and exit.": "Hiện phiên bản rồi thoát.",
    "%(prog)s, version %(version)s": "%(prog)s, phiên bản %(version)s",
    "env var: {var}": "biến môi trường: {var}",
    "default: {default}": "mặc định: {default}",
    "(dynamic)": "(tùy lúc chạy)",
    "required": "bắt buộc",
    "Value must be an iterable.": "Giá trị phải là một dãy.",
    "Choose from:\n\t{choices}": "Chọn một trong:\n\t{choices}",
    "{value!r} is not a valid {number_type}.": "{value!r} không phải là {number_type} hợp lệ.",
    "{value} is not in the range {range}.": "{value} không nằm trong khoảng {range}.",
    "{value!r} is not a valid UUID.": "{value!r} không phải là UUID hợp lệ.",
    "file": "tệp",
    "directory": "thư mục",
    "path": "đường dẫn",
    "{name} {filename!r} does not exist.": "{name} {filename!r} không tồn tại.",
    "{name} '{filename}' does not exist.": "{name} '{filename}' không tồn tại.",
    "{name} {filename!r} is a file.": "{name} {filename!r} là một tệp, không phải thư mục.",
    "{name} '{filename}' is a file.": "{name} '{filename}' là một tệp, không phải thư mục.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} là một thư mục, cần một tệp.",
    "{name} '{filename}' is a directory.": "{name} '{filename}' là một thư mục, cần một tệp.",
    "{name} {filename!r} is not readable.": "Không có quyền đọc {name} {filename!r}.",
    "{name} '{filename}' is not readable.": "Không có quyền đọc {name} '{filename}'.",
    "{name} {filename!r} is not writable.": "Không có quyền ghi {name} {filename!r}.",
    "{name} '{filename}' is not writable.": "Không có quyền ghi {name} '{filename}'.",
    "{name} {filename!r} is not executable.": "Không có quyền chạy {name} {filename!r}.",
    "{name} '{filename}' is not executable.": "Không có quyền chạy {name} '{filename}'.",
    "Invalid start character for option ({option})": "Ký tự đầu không hợp lệ cho tùy chọn ({option})",
    "Argument {name!r} takes {nargs} values.": "Đối số {name!r} cần {nargs} giá trị.",
    "Option {name!r} does not take a value.": "Tùy chọn {name!r} không nhận giá trị.",
    "Repeat for confirmation": "Nhập lại để xác nhận",
    "Error: The two entered values do not match.": "Lỗi: hai giá trị đã nhập không khớp.",
    "Error: invalid input": "Lỗi: dữ liệu nhập không hợp lệ",
    "Do you want to continue?": "Tiếp tục?",
    "Confirm the action without prompting.": "Xác nhận mà không hỏi lại.",
    "Press any key to continue...": "Nhấn phím bất kỳ để tiếp tục...",
    "Choice({choices})": "Lựa chọn({choices})",
    "integer": "số nguyên",
    "float": "số thực",
    "integer range": "khoảng số nguyên",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} không phải giá trị đúng/sai hợp lệ; dùng: {states}",
    "float range": "khoảng số thực",
}

# (singular, plural) -> Vietnamese (singular, plural): the same words, click passes the
# placeholders of both forms
CLICK_VI_PLURAL: dict[tuple[str, str], tuple[str, str]] = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"):
        ("Thừa đối số ({args})", "Thừa đối số ({args})"),
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        ("Cần {nargs} giá trị nhưng chỉ nhận 1.", "Cần {nargs} giá trị nhưng nhận {len}."),
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        ("Có phải ý bạn là {possibility}?", "(Có phải ý bạn là một trong: {possibilities}?)"),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        ("Tùy chọn {name!r} cần một giá trị.", "Tùy chọn {name!r} cần {nargs} giá trị."),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."):
        ("{value!r} không hợp lệ; cần {choice}.", "{value!r} không hợp lệ; chọn một trong {choices}."),
    ("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."):
        ("{value!r} không khớp định dạng {format}.", "{value!r} không khớp định dạng nào trong {formats}."),
    ("{len_type} values are required, but {len_value} was given.",
     "{len_type} values are required, but {len_value} were given."):
        ("Cần {len_type} giá trị nhưng nhận {len_value}.", "Cần {len_type} giá trị nhưng nhận {len_value}."),
}

_WORDS = {w: en for en in ("file", "directory", "path") for w in (en, CLICK_VI[en])}


class _Message(str):
    """A translated click message whose ``format`` also puts the words click decided at
    import time ("file", "tệp", …) into the current language, and leaves out a
    placeholder the Vietnamese text shares between singular and plural."""

    def format(self, *args: object, **kwargs: object) -> str:  # type: ignore[override]
        return str.format_map(self, _Blank({k: _word(v) for k, v in kwargs.items()}))


def _word(value: object) -> object:
    """"file"/"tệp" (any case, as click may title-case it) in the current language."""
    if not isinstance(value, str) or value.lower() not in _WORDS:
        return value
    en = _WORDS[value.lower()]
    word = CLICK_VI[en] if current_lang() == "vi" else en
    return word[:1].upper() + word[1:] if value[:1].isupper() else word


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def gettext_vi(message: str) -> str:
    if current_lang() == "vi" and message in CLICK_VI:
        return _Message(CLICK_VI[message])
    return _Message(message) if current_lang() == "en" and message in CLICK_VI else message


def ngettext_vi(singular: str, plural: str, n: int) -> str:
    if current_lang() == "vi" and (singular, plural) in CLICK_VI_PLURAL:
        return _Message(CLICK_VI_PLURAL[(singular, plural)][0 if n == 1 else 1])
    return singular if n == 1 else plural


_CLICK_MODULES = ("core", "exceptions", "decorators", "formatting", "parser", "types", "termui", "utils",
                  "_termui_impl")


def install_click_messages() -> None:
    """Route click's gettext calls through ``gettext_vi``/``ngettext_vi`` (idempotent)."""
    for name in _CLICK_MODULES:
        try:
            mod = importlib.import_module(f"click.{name}")
        except ImportError:  # a click without that module
            continue
        if hasattr(mod, "_"):
            mod._ = gettext_vi
        if hasattr(mod, "ngettext"):
            mod.ngettext = ngettext_vi
