# Balas: `make run` starts everything, `make test` runs every test tier. Both install what is missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
PYTEST := $(BIN)/python -m pytest

.PHONY: run test unit integration e2e browser faults lint fmt bench eval lock clean system-deps system-deps-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# constraints.txt pins every package, transitive ones too, so that a fresh install is the program
# that was tested; a changed pin reinstalls.
$(VENV)/.installed-run: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $@ $(VENV)/.installed-run

# Programs Balas calls besides Python: Tesseract reads scanned and photographed knowledge
# documents (English and Indonesian). The tests also need PHP (the WordPress plugin's tests),
# Chromium with a colour emoji font (the console's browser tests and screenshots; without the
# font emoji are empty boxes), promtool from Prometheus (checks deploy/'s alert rules and runs
# their unit tests), and a real WordPress for the plugin: Debian's wordpress package (it pulls in
# apache2, unused: the tests serve it with php -S) with its translations (the site in
# Indonesian), PHP's MySQL driver and MariaDB's server binaries (mariadb-server-core: no system
# service; each test run starts its own as the current user), and msgfmt (gettext) to check the
# plugin's translations. Checked every time, installed with apt-get when missing (as root, else
# through sudo). The Kubernetes tests also need kubectl (its kustomize renders deploy/k8s): it is
# the `kubectl` package of the Kubernetes project's or Google Cloud's apt repository, not
# Debian's (kubernetes-client 1.20 embeds a kustomize too old for deploy/k8s), so it is checked
# and named, not installed. espeak-ng and opusenc speak the voice notes of the transcription
# tests (OGG/Opus, as WhatsApp sends them). dovecot-imapd is the real IMAP server the e-mail
# tests read a mailbox from (started per test run on loopback, as the test user).
RUN_PACKAGES  := tesseract-ocr tesseract-ocr-eng tesseract-ocr-ind
TEST_PACKAGES := $(RUN_PACKAGES) php-cli chromium fonts-noto-color-emoji prometheus \
	espeak-ng opus-tools wordpress wordpress-l10n php-mysql mariadb-server-core gettext \
	dovecot-imapd
APT_GET := DEBIAN_FRONTEND=noninteractive apt-get
HAVE_OCR := langs="$$(tesseract --list-langs 2>&1 || true)"; \
	echo "$$langs" | grep -qx eng && echo "$$langs" | grep -qx ind
APT_INSTALL = if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  $(APT_GET) update -qq && $(APT_GET) install -y -qq --no-install-recommends $(1); \
	elif command -v apt-get >/dev/null && command -v sudo >/dev/null; then \
	  sudo $(APT_GET) update -qq && sudo $(APT_GET) install -y -qq --no-install-recommends $(1); \
	else \
	  echo "Missing system packages. Install: $(1)" >&2; \
	  echo "(elsewhere than Debian/Ubuntu: tesseract with its eng and ind data, php with mysqli, chromium, Noto Color Emoji, promtool, espeak-ng, opusenc, WordPress in /usr/share/wordpress, mariadbd, msgfmt, dovecot)" >&2; \
	  exit 1; \
	fi

system-deps:
	@if $(HAVE_OCR); then exit 0; else $(call APT_INSTALL,$(RUN_PACKAGES)); fi

system-deps-test:
	@if $(HAVE_OCR) && command -v php >/dev/null && command -v chromium >/dev/null && \
	  fc-list 2>/dev/null | grep -q "Noto Color Emoji" && command -v promtool >/dev/null && \
	  command -v espeak-ng >/dev/null && command -v opusenc >/dev/null && \
	  [ -f /usr/share/wordpress/wp-content/languages/id_ID.mo ] && php -m | grep -qx mysqli && \
	  [ -x /usr/sbin/mariadbd ] && command -v msgfmt >/dev/null && \
	  command -v dovecot >/dev/null; then \
	  true; else $(call APT_INSTALL,$(TEST_PACKAGES)); fi
	@command -v kubectl >/dev/null || \
	  echo "kubectl is missing: the Kubernetes tests need it (the Kubernetes project's apt repository)" >&2

run: $(VENV)/.installed-run system-deps
	$(BIN)/balas run

test: $(VENV)/.installed-dev system-deps-test
	$(PYTEST) tests

unit: $(VENV)/.installed-dev system-deps-test
	$(PYTEST) tests/unit

integration: $(VENV)/.installed-dev system-deps-test
	$(PYTEST) tests/integration

e2e: $(VENV)/.installed-dev system-deps-test
	$(PYTEST) tests/e2e

browser: $(VENV)/.installed-dev system-deps-test
	$(PYTEST) tests/browser

# The whole fault suite (docs/reliability.md): the quick scenarios `make test` runs too, and the
# slow ones (outages of minutes, a 10-minute soak; FAULTS_SOAK_SECONDS for a longer one). The
# table of the run is printed at the end and written to bench/results/faults.md.
faults: $(VENV)/.installed-dev system-deps-test
	$(PYTEST) tests/faults -m "faults_slow or not faults_slow"
	$(PYTEST) tests/integration/test_broadcasts.py -m faults_slow  # a broadcast of 300

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench --json bench/results/latest.json $(if $(MONGODB_URI),--mongodb-uri $(MONGODB_URI))

# The message classifier on every held-out set, per source and class, then knowledge retrieval
# (EMBEDDINGS=1: hybrid search through the embeddings endpoint) and the answering step (a scripted
# model stand-in on loopback, and offline), each on the tuning set (the sample store) and the
# frozen set of real shops (bench/data/external, docs/evaluation.md), reported apart; then whole
# customer journeys through the responder (bench/data/journeys), dev and frozen sets. ENGINE=llm
# puts the configured chat endpoint (a hosted API or a local server) in the classifier's and the
# scripted model's place.
eval: $(VENV)/.installed-dev system-deps
	$(BIN)/balas classify --evaluate --engine $(or $(ENGINE),offline)
	$(BIN)/python -m bench.knowledge_eval $(if $(EMBEDDINGS),--embeddings)
	$(BIN)/python -m bench.answer_eval $(if $(filter llm,$(ENGINE)),--engine llm) \
	  $(if $(EMBEDDINGS),--embeddings)
	$(BIN)/python -m bench.journey_eval $(if $(filter llm,$(ENGINE)),--engine llm)

# Re-resolves pyproject.toml's dependencies to the newest releases their bounds allow, in a
# throw-away venv with no constraints, and pins them all in constraints.txt (docs/operations.md).
lock:
	@tmp="$$(mktemp -d)" && trap 'rm -rf "$$tmp"' EXIT && \
	$(PYTHON) -m venv "$$tmp" && \
	"$$tmp/bin/python" -m pip install --quiet --upgrade pip && \
	"$$tmp/bin/python" -m pip install --quiet ".[dev]" && \
	{ echo "# Every package a fresh install of Balas and its dev extra resolves to; written by make lock."; \
	  "$$tmp/bin/python" -m pip freeze --exclude balas; } > "$$tmp/constraints.txt" && \
	mv "$$tmp/constraints.txt" constraints.txt

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
