"""The Excel add-in ``xl_tthc.xlam``: built on any system from the text sources in
``src/``, installed on Windows.

This package may import xlwings; the core ``xl_tthc`` never does.
"""

from .build import BuildResult, build_addin
from .install import InstallResult, InstallUnsupported, install_addin, windows_steps

__all__ = [
    "BuildResult",
    "InstallResult",
    "InstallUnsupported",
    "build_addin",
    "install_addin",
    "windows_steps",
]
