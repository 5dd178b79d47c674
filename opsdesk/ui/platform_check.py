"""Before Qt loads: does Qt's xcb platform plugin find every library it links against?

Qt aborts the process when ``libqxcb.so`` cannot load, and its message often blames the wrong library. This asks
the dynamic linker (``ldd`` on the plugin itself, so the list is whatever this Qt build needs, never a hand list)
which libraries are missing, and names the Debian packages that provide them. Nothing here imports Qt.

``python -m opsdesk.ui.platform_check`` prints the missing packages, one per line (the Makefile and CI install
them); exit 0 whether or not any are missing, 2 when the check cannot run.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

# Debian names a library package after its soname: libfoo.so.3 -> libfoo3, libfoo-1.so.3 -> libfoo-1-3. These do
# not follow the rule.
_PACKAGE_EXCEPTIONS = {
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0",
    "libGLX.so.0": "libglx0",
    "libOpenGL.so.0": "libopengl0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libstdc++.so.6": "libstdc++6",
    "libgcc_s.so.1": "libgcc-s1",
    "libz.so.1": "zlib1g",
}

_NOT_FOUND = re.compile(r"^\s*(\S+)\s*=>\s*not found", re.M)


def xcb_plugin() -> Path | None:
    """The xcb platform plugin of the installed PySide6 (or the frozen bundle), or None when there is none."""
    candidates: list[Path] = []
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        candidates.append(Path(frozen) / "PySide6" / "Qt" / "plugins" / "platforms" / "libqxcb.so")
    spec = importlib.util.find_spec("PySide6")
    if spec is not None and spec.submodule_search_locations:
        for base in spec.submodule_search_locations:
            candidates.append(Path(base) / "Qt" / "plugins" / "platforms" / "libqxcb.so")
    return next((c for c in candidates if c.is_file()), None)


def package_for(soname: str) -> str:
    """The Debian package that ships ``soname`` (libxcb-icccm.so.4 -> libxcb-icccm4)."""
    if soname in _PACKAGE_EXCEPTIONS:
        return _PACKAGE_EXCEPTIONS[soname]
    m = re.match(r"^(?P<name>.+?)\.so(?:\.(?P<ver>\d+))?", soname)
    if not m:
        return soname
    name, ver = m.group("name").lower(), m.group("ver") or ""
    if not ver:
        return name
    return f"{name}-{ver}" if name[-1].isdigit() else f"{name}{ver}"


def missing_libraries(plugin: Path, ldd: Sequence[str] = ("ldd",)) -> list[str]:
    """The sonames the dynamic linker cannot find for ``plugin`` (direct and indirect), in ldd's order."""
    out = subprocess.run([*ldd, str(plugin)], capture_output=True, text=True, timeout=30, check=False).stdout
    seen: list[str] = []
    for name in _NOT_FOUND.findall(out):
        if name not in seen:
            seen.append(name)
    return seen


def uses_xcb() -> bool:
    """Whether Qt will pick the xcb plugin: Linux with an X display, and no other platform asked for."""
    if not sys.platform.startswith("linux"):
        return False
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(":")[0] == "xcb"
    if os.environ.get("WAYLAND_DISPLAY") and not os.environ.get("DISPLAY"):
        return False
    return bool(os.environ.get("DISPLAY"))


def missing_packages(plugin: Path | None = None, ldd: Sequence[str] = ("ldd",)) -> list[str]:
    """Debian packages to install so the xcb plugin loads; empty when nothing is missing or ldd is not here."""
    plugin = plugin or xcb_plugin()
    if plugin is None or shutil.which(ldd[0]) is None:
        return []
    packages: list[str] = []
    for soname in missing_libraries(plugin, ldd):
        pkg = package_for(soname)
        if pkg not in packages:
            packages.append(pkg)
    return packages


def problem(plugin: Path | None = None, ldd: Sequence[str] = ("ldd",)) -> str | None:
    """One line naming the packages to install, or None when Qt's xcb plugin will load."""
    try:
        packages = missing_packages(plugin, ldd)
    except (OSError, subprocess.SubprocessError):
        return None  # the check could not run; let Qt try
    if not packages:
        return None
    return (f"Qt's display plugin (xcb) cannot load: missing system libraries. Install them with: "
            f"sudo apt-get install {' '.join(packages)}")


def main(argv: Sequence[str] | None = None) -> int:
    plugin = xcb_plugin()
    if plugin is None:
        return 0
    try:
        for pkg in missing_packages(plugin):
            print(pkg)
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"opsdesk: cannot check {plugin}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
