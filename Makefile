# Minzheng: `make run` sets everything up and serves the demo city; `make test` runs the whole suite on
# SQLite and on PostgreSQL. Everything installs from PyPI, npm and Debian's packages; nothing else.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MZ := $(BIN)/minzheng
SCALE ?= 0.01
SEED ?= 1
HOST ?= 127.0.0.1
PORT ?= 8000
PG_PORT ?= 54329
PG_DIR ?= /tmp/minzheng-pg-$(PG_PORT)
PG_BIN = $(shell ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
export DJANGO_SETTINGS_MODULE ?= minzheng.settings.base
# scripts/pytest.sh treats pytest's exit 5 (nothing collected) as a failure unless MINZHENG_ALLOW_EMPTY=1.
PYTEST := scripts/pytest.sh

.PHONY: help install venv npm migrate demo run serve test test-sqlite test-postgres pg-install pg-start pg-stop browser-install \
        check lint typecheck bench clean

help:
	@echo "make run    安装依赖、迁移数据库、生成模拟城市、启动服务 (http://$(HOST):$(PORT)/)"
	@echo "make test   在 SQLite 和 PostgreSQL 上运行全部测试"
	@echo "make check  ruff、格式检查、mypy 和测试"
	@echo "make bench  运行性能基准，结果写入 benchmarks/RESULTS.md"

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

venv: $(VENV)/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

npm: node_modules/.installed

install: venv npm

migrate: install
	$(MZ) migrate --noinput -v 0

demo: migrate
	$(MZ) synth --city zhaotong --scale $(SCALE) --seed $(SEED) --load
	$(MZ) verify --month 2023-06
	$(MZ) demo_users

run: demo serve

serve: install
	$(MZ) collectstatic --noinput -v 0
	@echo "服务地址: http://$(HOST):$(PORT)/  (Ctrl-C 停止)"
	$(MZ) runserver $(HOST):$(PORT)

# --- tests -----------------------------------------------------------------------------------------------
test: install pg-install browser-install
	@status=0; \
	$(MAKE) --no-print-directory test-sqlite || status=1; \
	$(MAKE) --no-print-directory test-postgres || status=1; \
	exit $$status

test-sqlite: install
	@echo "== 测试：SQLite =="
	MINZHENG_VAR=$$(mktemp -d) $(PYTEST) $(PYTEST_ARGS)

test-postgres: install pg-install
	@trap '$(MAKE) --no-print-directory pg-stop' EXIT; \
	$(MAKE) --no-print-directory pg-start && \
	echo "== 测试：PostgreSQL ==" && \
	MINZHENG_VAR=$$(mktemp -d) DATABASE_URL=postgres://minzheng:minzheng@127.0.0.1:$(PG_PORT)/minzheng \
	  $(PYTEST) -m "not browser and not spark" $(PYTEST_ARGS)

# Browser tests drive Debian's Chromium through Playwright; Playwright never downloads a browser of its own.
browser-install:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "安装 Chromium (Debian chromium)…"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	  echo "警告：无法安装 Chromium，浏览器测试将被跳过"; \
	fi

pg-install:
	@if [ -z "$(PG_BIN)" ]; then \
	  echo "安装 PostgreSQL (Debian postgresql)…"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) || \
	  { echo "无法安装 PostgreSQL"; exit 1; }; \
	fi

pg-start:
	@rm -rf $(PG_DIR) && mkdir -p $(PG_DIR) && chown postgres:postgres $(PG_DIR)
	@runuser -u postgres -- $(PG_BIN)/initdb -D $(PG_DIR)/data -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
	@runuser -u postgres -- $(PG_BIN)/pg_ctl -D $(PG_DIR)/data -l $(PG_DIR)/log -w \
	  -o "-p $(PG_PORT) -k $(PG_DIR) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
	@$(PG_BIN)/psql -h 127.0.0.1 -p $(PG_PORT) -U postgres -q \
	  -c "CREATE ROLE minzheng LOGIN SUPERUSER PASSWORD 'minzheng'" -c "CREATE DATABASE minzheng OWNER minzheng"
	@echo "PostgreSQL 已在 127.0.0.1:$(PG_PORT) 启动（数据目录 $(PG_DIR)）"

pg-stop:
	@if [ -d $(PG_DIR)/data ]; then runuser -u postgres -- $(PG_BIN)/pg_ctl -D $(PG_DIR)/data -m fast stop >/dev/null || true; fi
	@rm -rf $(PG_DIR)

# --- quality ---------------------------------------------------------------------------------------------
lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: install
	$(BIN)/mypy src

check: lint typecheck test

bench: install
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
