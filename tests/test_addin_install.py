"""Installing the add-in: refused with instructions off Windows; on Windows (simulated
with temporary folders) the add-in goes to XLSTART and xlwings' config is written."""

import csv
import io

import pytest

from udfs.addin import InstallUnsupported, install_addin, windows_steps


def test_other_systems_get_the_windows_steps():
    with pytest.raises(InstallUnsupported) as info:
        install_addin(platform="linux")
    assert info.value.platform == "linux"
    assert "Windows" in str(info.value) and "xl-tthc addin install" in str(info.value)
    assert "Đóng Excel" in windows_steps("vi")


@pytest.fixture()
def windows(tmp_path):
    env = {"APPDATA": str(tmp_path / "AppData" / "Roaming"), "USERPROFILE": str(tmp_path / "me")}
    addin = tmp_path / "xl_tthc.xlam"
    addin.write_bytes(b"PK add-in bytes")
    return env, addin, tmp_path


def _config(path):
    return {row[0]: row[1] for row in csv.reader(io.StringIO(path.read_text("cp1252"))) if row}


def test_copies_to_xlstart_and_writes_the_xlwings_config(windows):
    env, addin, tmp = windows
    result = install_addin(addin, interpreter=r"C:\Python311\python.exe", platform="win32", environ=env)
    assert result.addin_path == tmp / "AppData/Roaming/Microsoft/Excel/XLSTART/xl_tthc.xlam"
    assert result.addin_path.read_bytes() == addin.read_bytes()
    assert result.config_path == tmp / "me/.xl_tthc/xl_tthc.conf"
    assert _config(result.config_path) == {"INTERPRETER_WIN": r"C:\Python311\python.exe",
                                           "UDF MODULES": "udfs.functions"}
    # The format VBA's Input # reads: quoted "KEY","VALUE" pairs, one a line.
    assert result.config_path.read_bytes().splitlines()[0] == rb'"INTERPRETER_WIN","C:\Python311\python.exe"'


def test_reinstall_needs_force_and_keeps_other_settings(windows):
    env, addin, _ = windows
    first = install_addin(addin, interpreter="py1", platform="win32", environ=env)
    first.config_path.write_text(first.config_path.read_text("cp1252") + '"LICENSE_KEY","abc"\r\n', "cp1252")
    with pytest.raises(FileExistsError, match="force"):
        install_addin(addin, interpreter="py2", platform="win32", environ=env)
    second = install_addin(addin, interpreter="py2", force=True, platform="win32", environ=env)
    assert _config(second.config_path) == {"LICENSE_KEY": "abc", "INTERPRETER_WIN": "py2",
                                           "UDF MODULES": "udfs.functions"}


def test_missing_environment_is_explained(windows):
    _, addin, _ = windows
    with pytest.raises(RuntimeError, match="APPDATA"):
        install_addin(addin, platform="win32", environ={})


def test_only_an_xlam_is_copied(windows):
    env, _, tmp = windows
    other = tmp / "book.xlsx"
    other.write_bytes(b"x")
    with pytest.raises(FileNotFoundError, match="add-in"):
        install_addin(other, platform="win32", environ=env)
