#!/usr/bin/env bash
# Sets up adwatch on a fresh Debian machine (Python 3.11+ and apt), then runs the demo or the tests.
#   bash bootstrap.sh demo   -> venv + deps + Chromium, then `adwatch demo` (demo site, crawl, process, dashboard)
#   bash bootstrap.sh test   -> the same, plus PostgreSQL if none answers on 127.0.0.1:5432, then the full test suite
set -euo pipefail
cd "$(dirname "$0")"
mode="${1:-demo}"; shift || true

SUDO=""; [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO="sudo"
apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { $SUDO apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# 1. Python environment (pinned versions in pyproject.toml).
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv 2>/dev/null || { apt_install python3-venv; "$PY" -m venv .venv; }
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install -q -e ".[dev]" 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import scrapy, spacy, fastapi, adwatch" || { echo "Python install failed" >&2; exit 1; }

# 2. A browser: Playwright cannot download its own here, so use Debian's chromium.
if ! ls "${PLAYWRIGHT_BROWSERS_PATH:-$HOME/.cache/ms-playwright}"/chromium-*/chrome-linux*/chrome >/dev/null 2>&1 \
   && ! command -v chromium >/dev/null; then
  echo "installing Debian's chromium ..."
  apt_install chromium fonts-dejavu-core
fi

pg_ready() { .venv/bin/python - <<'PYEOF' 2>/dev/null
import socket, sys
s = socket.socket(); s.settimeout(1)
sys.exit(0 if s.connect_ex(("127.0.0.1", 5432)) == 0 else 1)
PYEOF
}

# 3. PostgreSQL for the tests (they run on SQLite and PostgreSQL): start one if nothing answers.
ensure_postgres() {
  if pg_ready; then return; fi
  echo "no PostgreSQL on 127.0.0.1:5432: installing and starting one ..."
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  ver="$(ls /etc/postgresql | sort -V | tail -n1)"
  [ -d "/etc/postgresql/$ver/main" ] || $SUDO pg_createcluster "$ver" main >/dev/null
  hba="/etc/postgresql/$ver/main/pg_hba.conf"
  $SUDO sed -i -E 's/^(host|local)(\s+\S+\s+\S+.*\s)(scram-sha-256|md5|peer)\s*$/\1\2trust/' "$hba"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main start || $SUDO pg_ctlcluster "$ver" main start
  for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
  pg_ready || { echo "PostgreSQL did not start" >&2; exit 1; }
  $SUDO -u postgres psql -q -c "select 1" >/dev/null 2>&1 || true
  su postgres -c "psql -q -tc \"select 1 from pg_database where datname='test'\"" | grep -q 1 \
    || su postgres -c "createdb test"
}

case "$mode" in
  demo)
    exec .venv/bin/adwatch demo "$@"
    ;;
  test)
    ensure_postgres
    export ADWATCH_REQUIRE_ALL=1
    .venv/bin/ruff check .
    .venv/bin/lint-imports
    .venv/bin/adwatch config check
    exec .venv/bin/python -m pytest "$@"
    ;;
  setup)
    ensure_postgres
    ;;
  *)
    echo "usage: bash bootstrap.sh demo|test|setup" >&2; exit 2
    ;;
esac
