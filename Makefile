# The two commands a newcomer needs: `make run` and `make test`.
# Each sets up what is missing first (virtual environment, packages, site).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= $(or $(MENTORAT_PORT),8000)
PREVIEW_PORT ?= 8001

.PHONY: setup site run test preview bench catalogue clean screenshots

setup: $(STAMP)

# Quiet: pip's notices and warnings stay out, its errors still show.
$(STAMP): pyproject.toml
	@echo "Installation de l'environnement dans $(VENV)/ (la première fois : quelques minutes)…"
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -qq --upgrade pip
	@$(BIN)/python -m pip install -qq -e '.[test]'
	@touch $@

# Rebuilt only when a page, the theme, a form, programme.yml or a package changed
# (forms_service/buildstamp.py says; `mentorat build` alone always builds).
site: setup
	@$(BIN)/python -m forms_service.buildstamp || $(BIN)/mentorat build

run: site
	@$(BIN)/mentorat serve

test: setup
	$(BIN)/python -m pytest

# Live preview for coordinators: the guide on port $(PREVIEW_PORT), reloading on
# save; its forms post to a local service on port $(PORT), which accepts the
# preview's origin (nothing else is relaxed).
preview: site
	MENTORAT_PREVIEW_ORIGIN=http://127.0.0.1:$(PREVIEW_PORT) MENTORAT_MIN_FILL_SECONDS=0 \
	MENTORAT_WORKERS=1 $(BIN)/mentorat serve & service=$$!; \
	trap 'kill $$service 2>/dev/null' EXIT INT TERM; \
	MENTORAT_FORMS_URL=http://127.0.0.1:$(PORT) NO_MKDOCS_2_WARNING=1 \
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:$(PREVIEW_PORT)

# The coordination guide's pictures (docs/guide-coordination/captures/), from a fictitious
# programme in a temporary directory; not part of `make test`, which only checks
# that they match the templates. About half a minute.
screenshots: site
	$(BIN)/python scripts/screenshots.py

bench: setup
	$(BIN)/python bench/imports.py
	$(BIN)/python bench/storage.py
	$(BIN)/python bench/matching.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/http.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/build.py
	bench/lighthouse.sh

clean:
	rm -rf site .pytest_cache

# Refresh the message catalogue after changing user-facing strings; Click's own
# messages (usage, errors) are extracted from the installed Click into click.pot,
# merged into each translation's click.po (translations kept) and compiled.
TRANSLATIONS := forms_service/translations
catalogue: setup
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 --no-location \
	  --sort-output --project=mentorat -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel extract --no-location --sort-output --project=click \
	  -o $(TRANSLATIONS)/click.pot "$$($(BIN)/python -c 'import click, os; print(os.path.dirname(click.__file__))')" \
	  $(TRANSLATIONS)/click_extra.py
	$(BIN)/pybabel update -D click -i $(TRANSLATIONS)/click.pot -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -D click -d $(TRANSLATIONS)
