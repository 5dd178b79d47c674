"""Before Qt loads, opsdesk names the Debian packages Qt's xcb plugin is missing instead of letting Qt abort."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from opsdesk.ui import platform_check


def _fake_ldd(tmp_path: Path, missing: list[str]) -> list[str]:
    """An ``ldd`` that reports ``missing`` as not found (and a found library around them)."""
    lines = ["\tlinux-vdso.so.1 (0x00007ffc)", "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)"]
    lines += [f"\t{name} => not found" for name in missing]
    script = tmp_path / "ldd"
    script.write_text("#!/bin/sh\ncat <<'END'\n" + "\n".join(lines) + "\nEND\n")
    script.chmod(0o755)
    return [str(script)]


def test_a_missing_library_is_named_with_its_debian_package(tmp_path: Path) -> None:
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"\x7fELF")
    ldd = _fake_ldd(tmp_path, ["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-icccm.so.4",
                               "libxkbcommon-x11.so.0", "libdbus-1.so.3"])
    line = platform_check.problem(plugin, ldd)
    assert line is not None and "\n" not in line
    assert line.endswith("sudo apt-get install libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 libdbus-1-3")


def test_nothing_missing_is_no_problem(tmp_path: Path) -> None:
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"\x7fELF")
    assert platform_check.problem(plugin, _fake_ldd(tmp_path, [])) is None


@pytest.mark.skipif(not (shutil.which("gcc") and shutil.which("ldd")), reason="needs gcc and ldd")
def test_the_real_dynamic_linker_is_asked(tmp_path: Path) -> None:
    """A real shared object linked against a library that is then removed: ldd says so, and so does the check."""
    (tmp_path / "dep.c").write_text("int dep(void) { return 1; }\n")
    (tmp_path / "plugin.c").write_text("int dep(void); int plugin(void) { return dep(); }\n")
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(tmp_path / "libopsdeskfake.so.7"), str(tmp_path / "dep.c"),
                    "-Wl,-soname,libopsdeskfake.so.7"], check=True)
    (tmp_path / "libopsdeskfake.so").symlink_to("libopsdeskfake.so.7")
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(tmp_path / "libqxcb.so"), str(tmp_path / "plugin.c"),
                    f"-L{tmp_path}", "-lopsdeskfake"], check=True)
    (tmp_path / "libopsdeskfake.so.7").unlink()
    assert platform_check.missing_libraries(tmp_path / "libqxcb.so") == ["libopsdeskfake.so.7"]
    assert platform_check.missing_packages(tmp_path / "libqxcb.so") == ["libopsdeskfake7"]


def test_opsdesk_prints_one_line_and_does_not_start_qt(tmp_path: Path) -> None:
    """The whole command with a display and a plugin whose library is missing: one line, exit 2, Qt not loaded."""
    env = {**os.environ, "DISPLAY": ":99", "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    env.pop("QT_QPA_PLATFORM", None)
    env.pop("WAYLAND_DISPLAY", None)
    _fake_ldd(tmp_path, ["libxcb-cursor.so.0"])
    out = subprocess.run([sys.executable, "-m", "opsdesk", "-w", str(tmp_path / "w.opsdesk")], env=env,
                         capture_output=True, text=True, timeout=60)
    if platform_check.xcb_plugin() is None:
        pytest.skip("this PySide6 has no xcb plugin")
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "opsdesk: Qt's display plugin (xcb) cannot load: missing system libraries. Install them with: "
        "sudo apt-get install libxcb-cursor0"]
    assert not (tmp_path / "w.opsdesk").exists()


@pytest.mark.parametrize(("soname", "package"), [
    ("libxcb-icccm.so.4", "libxcb-icccm4"), ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libEGL.so.1", "libegl1"), ("libfontconfig.so.1", "libfontconfig1"), ("libglib-2.0.so.0", "libglib2.0-0"),
    ("libxcb-render-util.so.0", "libxcb-render-util0"), ("libX11-xcb.so.1", "libx11-xcb1"),
])
def test_debian_package_names(soname: str, package: str) -> None:
    assert platform_check.package_for(soname) == package


def _counting_ldd(tmp_path: Path, missing: list[str]) -> tuple[list[str], Path]:
    """A fake ``ldd`` (as above) that also notes each run in a file."""
    ldd = _fake_ldd(tmp_path, missing)
    runs = tmp_path / "ldd-runs"
    script = Path(ldd[0])
    script.write_text(script.read_text().replace("#!/bin/sh\n", f"#!/bin/sh\necho run >> '{runs}'\n", 1))
    return ldd, runs


def _runs(runs: Path) -> int:
    return len(runs.read_text().splitlines()) if runs.exists() else 0


def test_a_passed_check_is_remembered_until_the_plugin_changes(tmp_path: Path) -> None:
    """Every start under X11 asked ldd again (tens of milliseconds before the window); a check that passed is now
    remembered for that plugin file, and asked again once the plugin is replaced (another PySide6)."""
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"\x7fELF")
    ldd, runs = _counting_ldd(tmp_path, [])
    cache = tmp_path / "cache" / "platform-check"
    assert platform_check.problem(plugin, ldd, cache=cache) is None
    assert platform_check.problem(plugin, ldd, cache=cache) is None
    assert _runs(runs) == 1
    plugin.write_bytes(b"\x7fELF, rebuilt")
    os.utime(plugin, ns=(plugin.stat().st_atime_ns, plugin.stat().st_mtime_ns + 10**9))
    assert platform_check.problem(plugin, ldd, cache=cache) is None
    assert _runs(runs) == 2


def test_a_failed_check_is_never_remembered(tmp_path: Path) -> None:
    """Missing libraries are looked for at every start until they are installed, then the pass is remembered."""
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"\x7fELF")
    ldd, runs = _counting_ldd(tmp_path, ["libxcb-cursor.so.0"])
    cache = tmp_path / "cache" / "platform-check"
    for _ in range(2):
        assert "libxcb-cursor0" in (platform_check.problem(plugin, ldd, cache=cache) or "")
    assert _runs(runs) == 2
    _counting_ldd(tmp_path, [])  # the user installed the package
    assert platform_check.problem(plugin, ldd, cache=cache) is None
    assert platform_check.problem(plugin, ldd, cache=cache) is None
    assert _runs(runs) == 3


def test_a_start_under_x11_asks_ldd_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check before Qt loads (what `opsdesk` runs with a display) keeps its pass in the user's cache folder."""
    from opsdesk.ui import app

    if platform_check.xcb_plugin() is None:
        pytest.skip("this PySide6 has no xcb plugin")
    ldd, runs = _counting_ldd(tmp_path, [])
    monkeypatch.setenv("PATH", f"{Path(ldd[0]).parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.setenv("OPSDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert app.display_problem() is None
    assert app.display_problem() is None
    assert _runs(runs) == 1
    assert (tmp_path / "data" / "cache" / "platform-check").is_file()
