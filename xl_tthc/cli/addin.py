"""``xl-tthc addin build|install``"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import (check_output_path, echo_json, force_option, group, group_lang_option, json_option, lang_option,
                     option, tr)


@group(en="Build the Excel add-in xl_tthc.xlam from its text sources, or install it (Windows).")
@group_lang_option
def addin() -> None:
    """Dựng add-in Excel xl_tthc.xlam từ mã nguồn dạng văn bản, hoặc cài đặt nó (Windows)."""


@addin.command(help_en="Build the add-in (ribbon, VBA callbacks, worksheet-function wrappers, xlwings module).")
@option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path),
        default=Path("workbooks/xl_tthc.xlam"), show_default=True, help="Tệp .xlam sẽ ghi.",
        en="The .xlam to write.")
@force_option
@json_option
@lang_option
def build(out: Path, force: bool, as_json: bool, lang: str) -> None:
    """Dựng add-in (thanh công cụ, các lệnh VBA, hàm trang tính bọc sẵn, mô-đun xlwings)."""
    from udfs.addin import build_addin

    if out.suffix.lower() != ".xlam":
        raise click.UsageError(tr(f"{out}: tệp add-in phải có đuôi .xlam", f"{out}: an Excel add-in must end in .xlam"))
    check_output_path(out, [], force)
    if not out.absolute().parent.is_dir():
        raise click.UsageError(tr(f"{out}: thư mục {out.absolute().parent} không tồn tại",
                                  f"{out}: the folder {out.absolute().parent} does not exist"))
    try:
        result = build_addin(out, force=force)
    except (FileExistsError, ValueError) as e:
        raise click.UsageError(str(e))
    except OSError as e:
        raise click.ClickException(tr(f"{out}: không ghi được ({e.strerror or e})",
                                      f"{out}: cannot be written ({e.strerror or e})"))
    if as_json:
        echo_json({"path": str(result.path), "sha256": result.sha256, "modules": result.modules,
                   "functions": result.functions, "callbacks": result.callbacks,
                   "xlwings_version": result.xlwings_version})
    else:
        click.echo(tr(f"{result.path}  sha256 {result.sha256[:16]}…  mô-đun: {', '.join(result.modules)}; "
                      f"{len(result.functions)} hàm, {len(result.callbacks)} nút",
                      f"{result.path}  sha256 {result.sha256[:16]}…  modules: {', '.join(result.modules)}; "
                      f"{len(result.functions)} functions, {len(result.callbacks)} buttons"))


@addin.command(help_en="""Install the add-in where Excel loads it and write its configuration (Windows only;
elsewhere, print the steps to follow on Windows).""")
@click.argument("addin_path", required=False, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@force_option
@json_option
@lang_option
def install(addin_path: Path | None, force: bool, as_json: bool, lang: str) -> None:
    """Cài add-in vào nơi Excel tự mở và ghi cấu hình của nó (chỉ trên Windows; ở hệ điều
    hành khác, in các bước cần làm trên Windows)."""
    from udfs.addin import InstallUnsupported, install_addin
    from udfs.addin.install import windows_steps

    try:
        result = install_addin(addin_path, force=force)
    except InstallUnsupported as e:
        text = tr(f"xl-tthc addin install chỉ chạy trên Windows (máy này là {e.platform!r}): add-in Excel dựa "
                  f"trên xlwings gọi Python qua một DLL của Windows.\n{windows_steps('vi')}", str(e))
        if as_json:
            echo_json({"installed": False, "platform": e.platform, "message": text})
        else:
            click.echo(text)
        sys.exit(2)
    except FileExistsError as e:
        raise click.UsageError(tr(f"add-in đã được cài; thêm --force để thay ({e})",
                                  f"the add-in is already installed; use --force to replace it ({e})"))
    if as_json:
        echo_json({"installed": True, "addin_path": str(result.addin_path), "config_path": str(result.config_path),
                   "interpreter": result.interpreter, "udf_modules": result.udf_modules})
    else:
        click.echo(f"{result.addin_path}\n{result.config_path}  "
                   f"({tr('trình thông dịch', 'interpreter')} {result.interpreter}, "
                   f"{tr('mô-đun UDF', 'UDF modules')} {result.udf_modules})")
