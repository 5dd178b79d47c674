# OpsDesk: `make run` opens the app on a demo workspace; `make test` runs lint and the whole test suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   ?= demo.opsdesk

.PHONY: run test lint typecheck pytest install install-test install-build demo screenshots dist dist-portable dist-check bench bench-quick clean system-deps softhsm focus-validator focus-validator-if-possible

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

test: lint softhsm focus-validator-if-possible
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -n auto --durations=10

# The FinOps Foundation's FOCUS validator needs Python 3.12: its own environment (.venv-fv, about 2.5 minutes to
# build once), used by the FOCUS export test when present. PYTHON312: the first Python 3.12 that runs (a pyenv
# shim without a selected version does not), else empty.
PYTHON312 ?= $(shell for p in python3.12 $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12); do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1 && { echo $$p; break; }; done)
focus-validator: .venv-fv/bin/focus-validator
.venv-fv/bin/focus-validator:
	@test -n "$(PYTHON312)" || { echo "focus-validator needs Python 3.12 (python3.12, or pyenv's 3.12.x)" >&2; exit 1; }
	$(PYTHON312) -m venv .venv-fv
	{ .venv-fv/bin/python -m pip install --quiet focus-validator \
	  && .venv-fv/bin/python -m pip install --quiet "numpy>=2"; } || { rm -rf .venv-fv; exit 1; }  # its pyarrow needs NumPy 2 (pip warns; it runs)

# Before the tests: build .venv-fv where Python 3.12 exists. No Python 3.12: the validator test is skipped and says
# why. A failed build fails CI (CI=true) and only warns elsewhere.
focus-validator-if-possible:
	@if [ -z "$(PYTHON312)" ]; then \
	  echo "no Python 3.12 here: the FOCUS validator test is skipped (pyenv install 3.12, then make focus-validator)"; \
	elif ! $(MAKE) --no-print-directory focus-validator; then \
	  if [ "$$CI" = true ]; then echo "building .venv-fv failed with $(PYTHON312)" >&2; exit 1; fi; \
	  echo "building .venv-fv failed with $(PYTHON312): the FOCUS validator test is skipped"; \
	fi

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
