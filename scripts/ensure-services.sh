#!/usr/bin/env bash
# Make sure the PostgreSQL server the contract tests need is up (CI machines start it before the
# session; a machine that was restarted may not have). Idempotent; prints one line.
set -euo pipefail
if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "postgresql: up at 127.0.0.1:5432"
  exit 0
fi
if command -v pg_ctlcluster >/dev/null 2>&1; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do
    pg_isready -h 127.0.0.1 -p 5432 -q && { echo "postgresql: started"; exit 0; }
    sleep 1
  done
fi
echo "postgresql: not reachable at 127.0.0.1:5432 (the contract tests will fail)" >&2
exit 1
