# Two commands matter: `make run` and `make test`. Each sets up what it needs
# on a fresh Debian machine (a .venv, the package, system packages when root).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEPS := $(VENV)/.deps-stamp
WORKSPACE ?= $(CURDIR)/.demo-workspace

.PHONY: run test bench dist screenshot clean help

help:
	@echo "make run     start the tray app on a demo workspace ($(WORKSPACE))"
	@echo "make test    run the whole test suite (unit, widget, e2e, packaging)"
	@echo "make bench   print every benchmark in bench/"
	@echo "make dist    build the one-folder app with PyInstaller (dist/oncall-desktop)"

$(BIN)/python:
	@scripts/bootstrap-python.sh "$(PYTHON)" "$(VENV)"

$(DEPS): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dist]'
	@touch $@

run: $(DEPS)
	@scripts/system-deps.sh run
	$(BIN)/oncall-desktop --workspace "$(WORKSPACE)" demo --history
	$(BIN)/oncall-desktop --workspace "$(WORKSPACE)"

test: $(DEPS)
	@scripts/system-deps.sh test
	$(BIN)/ruff check oncall_desktop tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports
	QT_QPA_PLATFORM=offscreen DBUS_SESSION_BUS_ADDRESS=disabled: \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(DEPS)
	@scripts/system-deps.sh run
	$(BIN)/python bench/run_all.py

dist: $(DEPS)
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN pyinstaller.spec
	@du -sh dist/oncall-desktop | awk '{print "dist/oncall-desktop: " $$1}'

screenshot: $(DEPS)
	@scripts/system-deps.sh test
	$(BIN)/python scripts/screenshot.py docs/main-window.png

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
