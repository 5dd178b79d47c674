#!/usr/bin/env bash
# Build the frozen one-folder OpsDesk and prove it works: --version, --self-test offscreen (Qt window, pyqtgraph
# chart, PDF with embedded fonts, a PAdES signature made and validated), and the demo + verify commands (migrations and the audit chain run frozen).
# Prints the build time and the folder size. Usage: packaging/dist_check.sh [path/to/venv/bin]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-.venv/bin}"
DIST="${OPSDESK_DIST_DIR:-dist}"
start=$(date +%s)
"$BIN/pyinstaller" --noconfirm --clean --log-level ERROR --distpath "$DIST" --workpath build/pyinstaller build.spec
built=$(date +%s)
APP="$DIST/opsdesk/opsdesk"
[ -x "$APP" ] || APP="$DIST/opsdesk/opsdesk.exe"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export QT_QPA_PLATFORM=offscreen OPSDESK_DATA_DIR="$tmp/data"
expected="opsdesk $("$BIN/python" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
got=$("$APP" --version)
[ "$got" = "$expected" ] || { echo "dist-check: the bundle says '$got', pyproject.toml '$expected'"; exit 1; }
echo "$got"
"$APP" --help >/dev/null  # builds the parser: every command module imports in the bundle
out=$("$APP" --self-test 2>"$tmp/stderr") || { cat "$tmp/stderr"; echo "dist-check: self-test failed"; exit 1; }
echo "$out"
case "$out" in *"validated offline"*) ;; *) echo "dist-check: the self-test did not sign and validate a PDF"; exit 1;; esac
if grep -v -E '^\s*$' "$tmp/stderr" | grep -q .; then
  echo "dist-check: the self-test wrote to stderr:"; cat "$tmp/stderr"; exit 1
fi
"$APP" demo --workspace "$tmp/demo.opsdesk" >/dev/null
"$APP" verify --workspace "$tmp/demo.opsdesk"
if find "$DIST/opsdesk" -name 'QtNetwork.*' -o -name 'QtWebEngine*' -o -name 'QtQml.*' | grep -q .; then
  echo "dist-check: an excluded Qt module was bundled"; exit 1
fi
size=$(du -sh "$DIST/opsdesk" | cut -f1)
echo "dist-check ok: built in $((built - start)) s, folder $DIST/opsdesk is $size"
