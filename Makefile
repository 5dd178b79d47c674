# OpsDesk: `make run` opens the app on a demo workspace; `make test` runs lint and the whole test suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   ?= demo.opsdesk

.PHONY: run test lint typecheck pytest install install-test install-build demo screenshots dist dist-portable dist-check bench bench-quick clean system-deps softhsm focus-validator

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-build: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[build]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test
install-build: $(VENV)/.installed-build

$(DEMO): | $(VENV)/.installed
	$(BIN)/opsdesk demo --workspace $(DEMO)

demo: $(DEMO)

# opsdesk itself checks Qt's xcb plugin before Qt loads and names any missing package (then: sudo make system-deps)
run: $(VENV)/.installed $(DEMO)
	$(BIN)/opsdesk --workspace $(DEMO)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check opsdesk tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint softhsm
	QT_QPA_PLATFORM=offscreen $(if $(wildcard .venv-fv/bin/focus-validator),OPSDESK_FOCUS_VALIDATOR=.venv-fv/bin/focus-validator) \
	  $(BIN)/python -m pytest -q -n auto --durations=10

# The FinOps Foundation's FOCUS validator needs Python 3.12: its own environment, used by the export test when present.
PYTHON312 ?= python3.12
focus-validator: .venv-fv/bin/focus-validator
.venv-fv/bin/focus-validator:
	$(PYTHON312) -m venv .venv-fv
	.venv-fv/bin/python -m pip install --quiet focus-validator
	.venv-fv/bin/python -m pip install --quiet "numpy>=2"  # its pyarrow needs NumPy 2 (pip warns; it runs)

screenshots: $(VENV)/.installed $(DEMO)
	QT_QPA_PLATFORM=offscreen $(BIN)/opsdesk --workspace $(DEMO) --screenshot docs/screenshots

bench: $(VENV)/.installed
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/registers.py

# Every bench at a small size against its baseline; exits 1 when a result regresses past target × 1.5 (CI runs it).
bench-quick: $(VENV)/.installed
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/run_all.py --quick

# Frozen build (PyInstaller, build.spec): one folder in dist/opsdesk; `make dist-portable` makes one file.
dist: $(VENV)/.installed-build
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN --workpath build/pyinstaller build.spec

dist-portable: $(VENV)/.installed-build
	OPSDESK_PORTABLE=1 $(BIN)/pyinstaller --noconfirm --clean --log-level WARN --workpath build/pyinstaller build.spec

# Build the bundle and run its self-test offscreen; prints build time and folder size (CI runs it).
dist-check: $(VENV)/.installed-build
	packaging/dist_check.sh $(BIN)

# Qt's runtime libraries on Debian/Ubuntu: the README's list, then whatever `ldd` on Qt's xcb plugin still
# reports missing (opsdesk.ui.platform_check names the Debian package of each).
QT_PACKAGES := libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0 \
	libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 \
	libxcb-shape0 libxcb-sync1 libxcb-xfixes0 libxcb-xkb1
system-deps: $(VENV)/.installed
	apt-get install -y $(QT_PACKAGES) softhsm2
	@missing="$$($(BIN)/python -m opsdesk.ui.platform_check)"; \
	if [ -n "$$missing" ]; then apt-get install -y $$missing; fi

# The signing tests need SoftHSM2 (a PKCS#11 token in place of a smart card): install it when it is missing
# (Debian/Ubuntu, as root; otherwise say that the PKCS#11 tests will be skipped — in CI, where CI is set, they fail).
softhsm:
	@command -v softhsm2-util >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& apt-get update -qq && apt-get install -y -qq softhsm2; } \
		|| echo "SoftHSM2 is missing (apt-get install softhsm2): the PKCS#11 signing tests will be skipped"

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
