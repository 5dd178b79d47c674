"""Before Qt loads: does Qt's xcb platform plugin find every library it links against?

Qt aborts the process when ``libqxcb.so`` cannot load, and its message often blames the wrong library. This asks
the dynamic linker (``ldd`` on the plugin itself, so the list is whatever this Qt build needs, never a hand list)
which libraries are missing, and names the Debian packages that provide them. Nothing here imports Qt.

A check that passed is remembered in the user's cache folder (:func:`problem`'s ``cache``) for that plugin file,
that ``ldd`` and that state of the system's library cache, so a start under X11 does not run ``ldd`` (tens of
milliseconds before the window) every time; a failed check is never remembered.

``python -m opsdesk.ui.platform_check`` prints the missing packages, one per line (the Makefile and CI install
them); exit 0 whether or not any are missing, 2 when the check cannot run.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

# subprocess and shutil are imported where ldd runs: a start that does not use xcb (offscreen, Wayland, macOS,
# Windows) does not pay for them before its window

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
    import subprocess

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
    if plugin is None or _which(ldd[0]) is None:
        return []
    packages: list[str] = []
    for soname in missing_libraries(plugin, ldd):
        pkg = package_for(soname)
        if pkg not in packages:
            packages.append(pkg)
    return packages


def _which(command: str) -> str | None:
    import shutil

    return shutil.which(command)


def default_cache() -> Path:
    """Where a start remembers a passed check: the user's cache folder."""
    from opsdesk import paths

    return paths.user_cache_dir() / "platform-check"


def _cache_key(plugin: Path, ldd: Sequence[str]) -> str | None:
    """What a passed check holds for: the plugin file (path, size, modification time), the ldd that checked it and
    the system's library cache (``ldconfig`` rewrites it whenever a package adds or removes a library)."""
    try:
        st = plugin.stat()
    except OSError:
        return None
    try:
        libraries = os.stat("/etc/ld.so.cache").st_mtime_ns
    except OSError:
        libraries = 0
    return f"{plugin.resolve()}\t{st.st_size}\t{st.st_mtime_ns}\t{_which(ldd[0])}\t{libraries}"


def _remembered(cache: Path) -> str | None:
    try:
        return cache.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _remember(cache: Path, key: str) -> None:
    """Keep ``key`` in ``cache`` (a failure to write only costs the next start another ldd run)."""
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        tmp.write_text(key + "\n", encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:
        pass


def problem(plugin: Path | None = None, ldd: Sequence[str] = ("ldd",), *, cache: Path | None = None) -> str | None:
    """One line naming the packages to install, or None when Qt's xcb plugin will load.

    ``cache``: a file that remembers a passed check (see :func:`_cache_key`); while it still holds, ldd is not
    run."""
    import subprocess

    plugin = plugin or xcb_plugin()
    if plugin is None:
        return None
    key = _cache_key(plugin, ldd) if cache is not None and _which(ldd[0]) is not None else None
    if key is not None and cache is not None and _remembered(cache) == key:
        return None
    try:
        packages = missing_packages(plugin, ldd)
    except (OSError, subprocess.SubprocessError):
        return None  # the check could not run; let Qt try
    if not packages:
        if key is not None and cache is not None:
            _remember(cache, key)
        return None
    return (f"Qt's display plugin (xcb) cannot load: missing system libraries. Install them with: "
            f"sudo apt-get install {' '.join(packages)}")


def main(argv: Sequence[str] | None = None) -> int:
    from subprocess import SubprocessError

    plugin = xcb_plugin()
    if plugin is None:
        return 0
    try:
        for pkg in missing_packages(plugin):
            print(pkg)
    except (OSError, SubprocessError) as exc:
        print(f"opsdesk: cannot check {plugin}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
