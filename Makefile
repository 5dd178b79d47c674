# OpsDesk: `make run` opens the app on a demo workspace; `make test` runs lint and the whole test suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   ?= demo.opsdesk

.PHONY: run test lint typecheck pytest install install-test install-build demo screenshots dist dist-portable dist-check bench clean system-deps

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

run: $(VENV)/.installed $(DEMO)
	$(BIN)/opsdesk --workspace $(DEMO)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check opsdesk tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -n auto --durations=10

screenshots: $(VENV)/.installed $(DEMO)
	QT_QPA_PLATFORM=offscreen $(BIN)/opsdesk --workspace $(DEMO) --screenshot docs/screenshots

bench: $(VENV)/.installed
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/registers.py

# Frozen build (PyInstaller, build.spec): one folder in dist/opsdesk; `make dist-portable` makes one file.
dist: $(VENV)/.installed-build
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN --workpath build/pyinstaller build.spec

dist-portable: $(VENV)/.installed-build
	OPSDESK_PORTABLE=1 $(BIN)/pyinstaller --noconfirm --clean --log-level WARN --workpath build/pyinstaller build.spec

# Build the bundle and run its self-test offscreen; prints build time and folder size (CI runs it).
dist-check: $(VENV)/.installed-build
	packaging/dist_check.sh $(BIN)

# Qt's runtime libraries on Debian/Ubuntu (already present on most desktops).
system-deps:
	apt-get install -y libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libxcb-cursor0

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
