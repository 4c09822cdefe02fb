"""What every command shares: the bilingual command/group/option classes, the shared
options, the console set-up, output checks and atomic writing, JSON output.

Help texts are Vietnamese with an English twin: a command is declared with
``@command(en="English help")`` (its docstring is the Vietnamese help) and an option with
``option(..., help="Vietnamese", en="English")``; ``--lang en`` or ``XL_TTHC_LANG=en``
shows the English.  ``XlCommand.main`` sets the language from the arguments before
click parses them, and click's own messages ("Usage:", "No such option" …) follow it
(``i18n.install_click_messages``).  A command of another module gets all of this by
being declared with ``@command`` (or ``cls=XlCommand``).
"""

from __future__ import annotations

import codecs
import functools
import gc
import io
import json
import os
import shutil
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any, Callable, Iterable, NoReturn, Sequence

import click

from ..consolidate.findings import Finding, Places, common_folder, findings_of_issues, grouped, write_findings
from ..domain.issues import Issue, message
from ..domain.numbers import format_count
from ..domain.output import OutputError, write_atomically as _write_atomically
from .i18n import ENV, current_lang, detect_lang, install_click_messages, set_lang, tr

install_click_messages()


class _Bilingual:
    """Mixin: the command's help in the current language; the language set from the
    arguments before parsing."""

    help_en: str | None = None

    def main(self, args: Any = None, *a: Any, **kw: Any) -> Any:  # type: ignore[override]
        set_lang(detect_lang(sys.argv[1:] if args is None else list(args)))
        return super().main(args, *a, **kw)  # type: ignore[misc]

    def _swap(self, fn: Callable[..., Any], *args: Any) -> Any:
        if current_lang() != "en" or not self.help_en:
            return fn(*args)
        vi, short = self.help, self.short_help  # type: ignore[attr-defined]
        self.help, self.short_help = self.help_en, None  # type: ignore[attr-defined]
        try:
            return fn(*args)
        finally:
            self.help, self.short_help = vi, short  # type: ignore[attr-defined]

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._swap(super().format_help_text, ctx, formatter)  # type: ignore[misc]

    def get_short_help_str(self, limit: int = 45) -> str:
        return self._swap(super().get_short_help_str, limit)  # type: ignore[misc]

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        self.options_metavar = tr("[TÙY CHỌN]", "[OPTIONS]")  # type: ignore[attr-defined]
        return super().collect_usage_pieces(ctx)  # type: ignore[misc]

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        opt = super().get_help_option(ctx)  # type: ignore[misc]
        if opt is not None:
            opt.help = tr("Hiện hướng dẫn này rồi thoát.", "Show this message and exit.")
        return opt


class XlCommand(_Bilingual, click.Command):
    def __init__(self, *args: Any, help_en: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help_en = help_en


class XlGroup(_Bilingual, click.Group):
    command_class = XlCommand

    def __init__(self, *args: Any, help_en: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help_en = help_en
        self.subcommand_metavar = "LỆNH [ĐỐI SỐ]..."

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        self.subcommand_metavar = tr("LỆNH [ĐỐI SỐ]...", "COMMAND [ARGS]...")
        return super().collect_usage_pieces(ctx)


XlGroup.group_class = XlGroup


class XlOption(click.Option):
    """An option whose help has an English twin ``help_en``."""

    def __init__(self, *args: Any, help_en: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help_en = help_en

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        if current_lang() != "en" or not self.help_en:
            return super().get_help_record(ctx)
        vi, self.help = self.help, self.help_en
        try:
            return super().get_help_record(ctx)
        finally:
            self.help = vi


def command(name: str | None = None, *, en: str, cls: type[click.Command] = XlCommand,
            **kwargs: Any) -> Callable[[Callable[..., Any]], click.Command]:
    """``@command(en="English help")``: a command whose docstring is its Vietnamese help."""
    return click.command(name, cls=cls, help_en=en, **kwargs)


def group(name: str | None = None, *, en: str, **kwargs: Any) -> Callable[[Callable[..., Any]], click.Group]:
    return click.group(name, cls=XlGroup, help_en=en, **kwargs)  # type: ignore[return-value]


def option(*decls: str, help: str, en: str, **kwargs: Any) -> Callable[[Any], Any]:
    """``option("--x", help="Vietnamese", en="English", …)``."""
    return click.option(*decls, cls=XlOption, help=help, help_en=en, **kwargs)


json_option = option("--json", "as_json", is_flag=True, help="Kết quả dạng JSON (cho máy đọc) ra stdout.",
                     en="Machine-readable JSON on stdout.")
lang_option = option("--lang", type=click.Choice(["vi", "en"], case_sensitive=False), default="vi", show_default=True, envvar=ENV,
                     help=f"Ngôn ngữ của thông báo và số (vi: 1.692; 94,87%; en: 1,692; 94.87%); "
                          f"cũng đặt được bằng biến môi trường {ENV}.",
                     en=f"Language of messages and numbers (vi: 1.692; 94,87%; en: 1,692; 94.87%); "
                        f"also set by the environment variable {ENV}.")
group_lang_option = option("--lang", type=click.Choice(["vi", "en"], case_sensitive=False), default="vi", expose_value=False, is_eager=True,
                           help="Ngôn ngữ (vi hoặc en); mỗi lệnh con cũng nhận --lang.",
                           en="Language (vi or en); every subcommand also takes --lang.")
profile_option = option("--profile", default=None, metavar="NAME|FILE",
                        help="Bộ quy ước: default, zero-as-100, cutoff-15, returned-beside, hoặc một tệp "
                             ".toml/.json.",
                        en="Conventions profile: default, zero-as-100, cutoff-15, returned-beside, "
                           "or a .toml/.json file.")
force_option = option("--force", is_flag=True, help="Ghi đè tệp kết quả đã có.", en="Replace an existing output file.")
no_cache_option = option("--no-cache", "no_cache", is_flag=True,
                         help="Đọc lại mọi tệp thay vì dùng kết quả đã lưu của các tệp không đổi nội dung "
                              "(thư mục lưu là XL_TTHC_CACHE_DIR, hoặc thư mục cache của người dùng).",
                         en="Read every file again instead of reusing the results stored for files "
                            "whose content has not changed (the cache folder is XL_TTHC_CACHE_DIR, "
                            "or the user's cache folder).")


def fold_errors(encoding: str) -> str:
    """The name of a codec error handler for ``encoding``: a character the code page lacks
    is written with its tone mark apart (cp1258 has Vietnamese as letter + combining tone
    mark), else without its marks ("ệ" -> "e" in cp1252), else as "?"."""
    enc = codecs.lookup(encoding).name
    name = f"xl_tthc_fold_{enc}"

    def fold(err: UnicodeError) -> tuple[str, int]:
        if not isinstance(err, UnicodeEncodeError):
            raise err
        out = []
        for ch in err.object[err.start:err.end]:
            for candidate in (_tone_apart(ch), _strip_marks(ch), "?"):
                try:
                    candidate.encode(enc)
                except UnicodeEncodeError:
                    continue
                out.append(candidate)
                break
        return "".join(out), err.end

    codecs.register_error(name, fold)
    return name


_TONES = "\u0300\u0301\u0303\u0309\u0323"  # the five tone marks cp1258 has as combining characters


def _tone_apart(ch: str) -> str:
    """"ệ" -> "ê" + combining dot below: the letter with its vowel mark, then the tone."""
    nfd = unicodedata.normalize("NFD", ch)
    return (unicodedata.normalize("NFC", "".join(c for c in nfd if c not in _TONES))
            + "".join(c for c in nfd if c in _TONES))


def _strip_marks(ch: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    return {"đ": "d", "Đ": "D"}.get(base, base)


def setup_console() -> None:
    """Make stdout/stderr survive any code page and redirection: a stream redirected to a
    file or pipe is written in UTF-8 (unless PYTHONIOENCODING asks otherwise); whatever
    the encoding, a character it lacks is folded (``fold_errors``), never a UnicodeEncodeError."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if not isinstance(stream, io.TextIOWrapper):
            continue
        try:
            if not stream.isatty() and not os.environ.get("PYTHONIOENCODING"):
                stream.reconfigure(encoding="utf-8")
            else:
                stream.reconfigure(errors=fold_errors(stream.encoding))
        except (ValueError, OSError):  # a closed or detached stream
            continue


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


min_severity_option = option("--min-severity", type=click.Choice(["error", "warning", "info"]), default="info",
                             show_default=True,
                             help="Chỉ liệt kê phát hiện từ mức này trở lên (error: chỉ lỗi; warning: lỗi và "
                                  "cảnh báo).",
                             en="List findings of this severity or worse (error: errors only; warning: errors "
                                "and warnings).")
findings_output = option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
                         help="Ghi các phát hiện ra tệp findings.xlsx (có liên kết tới ô nguồn) hoặc "
                              "findings.csv (UTF-8, Excel mở được).",
                         en="Write the findings to findings.xlsx (linked to the source cells) or findings.csv "
                            "(UTF-8 that Excel opens).")
per_unit_option = option("--per-unit", is_flag=True,
                         help="Với -o .xlsx: mỗi đơn vị báo cáo một trang tính (để gửi từng đơn vị).",
                         en="With -o .xlsx: one sheet per reporting department (to send each its own).")

_TEXT_HEADERS = {"vi": ("Tệp", "Trang", "Ô", "Đơn vị báo cáo", "Dòng", "Chỉ tiêu", "Mức độ", "Quy tắc",
                        "Nội dung"),
                 "en": ("File", "Sheet", "Cell", "Department", "Row", "Field", "Severity", "Rule", "Message")}


def findings_text(findings: Sequence[Finding], lang: str = "vi") -> str:
    """Findings as an aligned text table; an info finding repeated in several files is
    one line "74 tệp: …"."""
    rows = []
    for n, f in grouped(findings):
        values = f.values(lang)[:9]
        if n > 1:
            values[0] = tr(f"{format_count(n)} tệp", f"{n:,} files")
            values[1:3] = ["", ""]
            values[8] = f"{values[0]}: {values[8]}"
        rows.append([str(v) for v in values])
    if not rows:
        return ""
    head = list(_TEXT_HEADERS[lang])
    widths = [min(max(len(r[k]) for r in rows + [head]), 40) for k in range(8)]
    return "\n".join("  ".join([r[k][:widths[k]].ljust(widths[k]) for k in range(8)] + [r[8]]).rstrip()
                     for r in [head] + rows)


def sparing_collector(command: Callable[..., Any]) -> Callable[..., Any]:
    """A command that may :func:`spare_collector`: the objects it froze are handed back
    to the garbage collector when it ends (a command run in a longer-lived process,
    as the tests do, leaves nothing frozen)."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        before = gc.get_freeze_count()
        try:
            return command(*args, **kwargs)
        finally:
            if not before and gc.get_freeze_count():
                gc.unfreeze()

    return run


def spare_collector() -> None:
    """What the command has read lives until it ends: no collection need walk it again.
    A full one, set off while a workbook is written or the findings are listed, walks
    millions of objects (0.2 s for the sources of 8,000 files).  Within
    :func:`sparing_collector` only."""
    if not gc.get_freeze_count():
        gc.freeze()


def issue_table(issues: Iterable[Issue], tables: Iterable[Any] = (), places: Places | None = None) -> str:
    """Issues (of any command) as the findings text table, files relative to their common
    folder; ``tables`` (the tables read), or ``places``, give each finding its department
    and unit cell."""
    issues = list(issues)
    return findings_text(findings_of_issues(issues, base=common_folder(i.file for i in issues),
                                            places=places or Places.of_tables(tables)), current_lang())


def no_inputs(inputs: Iterable[str], key: str = "no_input") -> NoReturn:
    """No workbook among the inputs (an empty folder): the message ``key`` (``no_input``, as
    the core's ``NoInputs``, or ``no_input.check``) as a usage error, exit 2."""
    where = ", ".join(str(p) for p in inputs)
    raise click.UsageError(message(key, current_lang(), found=where))


def check_findings_path(out: Path, inputs: Iterable[Path], force: bool) -> None:
    """A findings file is .xlsx or .csv, not an input, not an existing file without --force."""
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise click.UsageError(tr(f"{out}: tệp phát hiện phải là .xlsx hoặc .csv",
                                  f"{out}: the findings file must be .xlsx or .csv"))
    check_output_path(out, inputs, force)


def write_findings_or_fail(findings: Sequence[Finding], out: Path, lang: str, per_unit: bool, force: bool,
                           inputs: Iterable[Path]) -> None:
    """``write_findings`` for a command: a wrong suffix or an existing file is a usage
    error, a refusing file system one line and exit 2."""
    check_findings_path(out, inputs, force)
    try:
        write_findings(findings, out, lang, per_unit=per_unit)
    except OutputError as e:
        raise OutputFailed(e.text(lang)) from None


class Progress:
    """Progress of a long run on stderr, only when stderr is a terminal: files done of
    all, time elapsed and left, the current file, on one line rewritten in place.
    ``progress(done, total, current="")`` is the callback the library takes; given
    ``files``, a callback without ``current`` shows the next of them."""

    def __init__(self, label: str, stream: Any = None, min_total: int = 2, files: Sequence[Any] = ()) -> None:
        self.label, self.min_total, self.files = label, min_total, list(files)
        self.stream = stream if stream is not None else sys.stderr
        self.active = stream is not None or stderr_is_tty()
        self.start = time.monotonic()
        self.width = 0

    def __enter__(self) -> "Progress | None":
        return self if self.active else None

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __call__(self, done: int, total: int, current: str = "") -> None:
        if not self.active or total < self.min_total:
            return
        if not current and done < len(self.files):  # a callback that says only how many: files go in order
            current = str(self.files[done])
        elapsed = time.monotonic() - self.start
        left = elapsed / done * (total - done) if done else None
        parts = [f"{self.label} {done}/{total}", tr(f"đã chạy {_clock(elapsed)}", f"elapsed {_clock(elapsed)}")]
        if left is not None:
            parts.append(tr(f"còn khoảng {_clock(left)}", f"about {_clock(left)} left"))
        if current:
            parts.append(os.path.basename(current))
        line = ", ".join(parts)
        columns = shutil.get_terminal_size((100, 20)).columns - 1
        line = line[:columns]
        self.stream.write("\r" + line.ljust(self.width))
        self.stream.flush()
        self.width = len(line)

    def close(self) -> None:
        if self.active and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


def _clock(seconds: float) -> str:
    s = int(seconds + 0.5)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def check_output_path(out: Path, inputs: Iterable[Path], force: bool) -> None:
    """Refuse to overwrite an input, or an existing output without --force (exit 2).
    An output that does not exist yet is no input; one that does is compared by the
    file system's identity of each input (one stat each, not a resolve)."""
    try:
        here = out.stat()
    except OSError:
        here = None
    for p in inputs if here is not None else ():
        try:
            same = os.path.samestat(os.stat(p), here)
        except OSError:
            continue
        if same:
            raise click.UsageError(tr(f"{out}: không ghi đè lên tệp đầu vào",
                                      f"{out}: refusing to overwrite an input file"))
    if out.exists() and not force:
        raise click.UsageError(tr(f"{out} đã có; thêm --force để ghi đè",
                                  f"{out} exists; use --force to replace it"))


class OutputFailed(click.ClickException):
    """An output the file system refused: one line, exit code 2."""

    exit_code = 2


def write_atomically(out: Path, write: Callable[[Path], None]) -> None:
    """``domain.output.write_atomically``, its failure a one-line message and exit 2."""
    try:
        _write_atomically(out, write)
    except OutputError as e:
        raise OutputFailed(e.text(current_lang())) from None


def output_failed(e: OutputError) -> OutputFailed:
    return OutputFailed(e.text(current_lang()))


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()


__all__ = ["group_lang_option", "Progress", "findings_text", "no_inputs", "write_findings_or_fail", "check_findings_path", "min_severity_option",
           "findings_output", "per_unit_option", "XlCommand", "XlGroup", "XlOption", "command", "group", "option", "json_option", "lang_option",
           "profile_option", "force_option", "no_cache_option", "setup_console", "echo_json", "issue_table", "check_output_path",
           "write_atomically", "output_failed", "OutputFailed", "stderr_is_tty", "tr"]
