#!/usr/bin/env bash
# Makes sure PostgreSQL answers on 127.0.0.1:5432 and Redis on
# 127.0.0.1:6379 (examples/rivals); starts each if it is installed but
# stopped. Exits non-zero if either cannot be reached.
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

redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }

if ! redis_up && command -v redis-server >/dev/null 2>&1; then
	echo "Redis is not answering; starting it"
	mkdir -p /var/lib/redis /var/log/redis
	redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
		--dir /var/lib/redis --logfile /var/log/redis/ci.log || true
	for _ in $(seq 1 30); do redis_up && break; sleep 1; done
fi
redis_up || { echo "Redis is not reachable on 127.0.0.1:6379" >&2; exit 1; }
echo "Redis is up"
