#!/usr/bin/env bash
# Runs every test of baocao: unit tests, and the integration suite against
# SQLite and against the PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379)
# of this machine, plus the headless-Chromium test. This is the README's test
# command; .ci/run installs the prerequisites and then calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

# Share one build directory between runs: the machine has 2 cores.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/baocao-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# The services a fresh machine of this kind starts; start them again if they stopped.
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no || true
fi

# Databases left behind by interrupted runs.
psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT datname FROM pg_database WHERE datname LIKE 'baocao_t_%'" 2>/dev/null \
  | while read -r db; do [ -n "$db" ] && psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" || true; done

# The regime SDK, the ABI and the template regime test themselves natively in
# their own workspace (plugins/), apart from the host — and in a build
# directory of their own: the host builds the same regime crates as its
# dev-dependencies, and two workspaces writing one artifact confuse rustc.
CARGO_TARGET_DIR="$CARGO_TARGET_DIR/plugins-workspace" cargo test --manifest-path plugins/Cargo.toml --workspace --quiet

# The Helm chart: lint, render, Kubernetes schemas, assertions, settings loaded by the binary.
bash tests/helm/check.sh

if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast "$@"
else
  cargo test --workspace --no-fail-fast "$@"
fi
