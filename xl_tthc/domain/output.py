"""Writing an output file atomically, with the user's permissions, and saying in one
line why it could not be written.

Every writer of the package goes through ``write_atomically``: the content is written to
a temporary file beside the output and moved into place only when complete, so an
interrupted or failed run leaves nothing behind; the file gets the mode a plain
``open(path, "w")`` would give (0644 under umask 022, not the temporary file's 0600), or
the mode of the file it replaces.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import Callable

__all__ = ["OutputError", "write_atomically", "default_mode"]


class OutputError(Exception):
    """An output that could not be written: ``text(lang)`` is one line with the reason
    and what to do, in Vietnamese or English."""

    def __init__(self, path: str, vi: str, en: str):
        self.path, self.vi, self.en = path, vi, en
        super().__init__(en)

    def text(self, lang: str = "vi") -> str:
        return self.en if lang == "en" else self.vi


def default_mode() -> int:
    """The mode a plain ``open(path, "w")`` gives under the current umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _explain(out: Path, e: OSError, stage: str) -> OutputError:
    """``stage``: "folder" (creating the folder), "write" (writing beside the output),
    "replace" (moving the finished file over the output)."""
    where = out.parent if str(out.parent) not in ("", ".") else Path(".")
    code = e.errno
    if stage == "replace" and code in (errno.EACCES, errno.EPERM, errno.EBUSY, errno.ETXTBSY):
        return OutputError(str(out), f"{out}: tệp đang mở (có thể trong Excel) hoặc bị khóa; hãy đóng tệp rồi chạy lại.",
                           f"{out}: the file is open (perhaps in Excel) or locked; close it and run again.")
    if code in (errno.EACCES, errno.EPERM):
        return OutputError(str(out), f"{out}: không có quyền ghi vào thư mục {where}; hãy chọn thư mục khác "
                                     f"(-o) hoặc xin quyền ghi.",
                           f"{out}: no permission to write in {where}; choose another folder (-o) or ask for "
                           f"write access.")
    if code == errno.EROFS:
        return OutputError(str(out), f"{out}: thư mục {where} chỉ cho đọc; hãy ghi vào thư mục khác (-o).",
                           f"{out}: {where} is read-only; write to another folder (-o).")
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return OutputError(str(out), f"{out}: ổ đĩa đã đầy, không ghi được; hãy giải phóng dung lượng hoặc ghi "
                                     f"vào ổ khác.",
                           f"{out}: the disk is full; free some space or write to another drive.")
    if code in (errno.ENOTDIR, errno.EEXIST) and stage == "folder" or code == errno.ENOTDIR:
        return OutputError(str(out), f"{out}: {_file_on_path(out)} là một tệp, không phải thư mục; hãy chọn "
                                     f"đường dẫn khác.",
                           f"{out}: {_file_on_path(out)} is a file, not a folder; choose another path.")
    if code == errno.EISDIR:
        return OutputError(str(out), f"{out} là một thư mục; hãy ghi ra một tên tệp.",
                           f"{out} is a folder; give a file name.")
    reason = e.strerror or str(e)
    return OutputError(str(out), f"{out}: không ghi được ({reason}).", f"{out}: cannot be written ({reason}).")


def _file_on_path(out: Path) -> Path:
    """The first component of ``out``'s folder that exists and is not a folder."""
    for p in reversed(out.parents):
        if p.exists() and not p.is_dir():
            return p
    return out.parent


def write_atomically(out: str | os.PathLike[str], write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``out``, then move it into place.
    Raises ``OutputError`` (one line, nothing left behind) when the file system refuses."""
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _explain(out, e, "folder") from None
    try:
        mode = out.stat().st_mode & 0o7777 if out.is_file() else default_mode()
    except OSError:
        mode = default_mode()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=out.suffix, dir=out.parent)
    except OSError as e:
        raise _explain(out, e, "write") from None
    os.close(fd)
    stage = "write"
    try:
        write(Path(tmp))
        os.chmod(tmp, mode)
        stage = "replace"
        os.replace(tmp, out)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise _explain(out, e, stage) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
