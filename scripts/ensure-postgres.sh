#!/bin/sh
# Make sure a PostgreSQL server (initdb, pg_ctl) is on this machine for the test suite, which
# starts its own temporary cluster from it (tests/support/postgres.py). Installs Debian's
# `postgresql` package with apt-get when it is missing and we are root (as in CI); otherwise says
# how to get it. TAVUSCTL_TEST_POSTGRES=skip skips the PostgreSQL tests instead.
set -eu
if [ "${TAVUSCTL_TEST_POSTGRES:-}" = skip ]; then
    echo "PostgreSQL tests disabled (TAVUSCTL_TEST_POSTGRES=skip)." >&2
    exit 0
fi
if [ -n "${TAVUSCTL_PG_BIN:-}" ] && [ -x "$TAVUSCTL_PG_BIN/initdb" ]; then exit 0; fi
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's postgresql package for the PostgreSQL state-store tests..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    exit 0
fi
cat >&2 <<'MSG'
The test suite needs a PostgreSQL server (initdb and pg_ctl) to test the PostgreSQL state store.
Install it (Debian/Ubuntu: sudo apt-get install postgresql; macOS: brew install postgresql),
or set TAVUSCTL_PG_BIN to the folder holding initdb, or run with TAVUSCTL_TEST_POSTGRES=skip.
MSG
exit 1
