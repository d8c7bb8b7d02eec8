#!/usr/bin/env bash
# Makes sure PostgreSQL answers on 127.0.0.1:5432; starts it if it is
# installed but stopped. Exits non-zero if it cannot.
set -euo pipefail

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1; then
	echo "PostgreSQL client tools are not installed; installing them"
	apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
fi
if ! pg_up; then
	echo "PostgreSQL is not answering; starting it"
	for v in $(ls /etc/postgresql 2>/dev/null); do
		pg_ctlcluster --skip-systemctl-redirect "$v" main start || true
	done
	for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
pg_up || { echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
psql "${BOXOFFICE_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}" -Atqc 'select 1' >/dev/null
echo "PostgreSQL is up"
