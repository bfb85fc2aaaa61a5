#!/usr/bin/env bash
# Runs the integration tests inside a throwaway PostgreSQL cluster: initdb into a
# temp dir (fsync off, unix socket only), the roles bootstrap, every migration applied
# through the real binary — and the cluster torn down on any exit, failure included.
# A missing PostgreSQL is a failure, never a skip.
set -euo pipefail
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
: "${BAITIAO_BIN:?}" "${BAITIAO_SQL_DIR:?}"
pgcluster=$top_srcdir/scripts/pgcluster

tmp=$(mktemp -d "${TMPDIR:-/tmp}/baitiao-test.XXXXXX")
chmod 755 "$tmp"
cleanup() {
  "$pgcluster" stop "$tmp/pg" || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$pgcluster" init "$tmp/pg" --fast
"$pgcluster" start "$tmp/pg"
eval "export $("$pgcluster" env "$tmp/pg" | tr '\n' ' ')"
# BT_TEST_PGDIR: the cluster, for the tests that restart the server (scripts/pgcluster)
export PGUSER=postgres PGDATABASE=postgres BT_TEST_TMPDIR=$tmp BT_TEST_PGDIR=$tmp/pg
"$pgcluster" bootstrap "$tmp/pg" "$BAITIAO_SQL_DIR/bootstrap/roles.sql" baitiao

config=$tmp/baitiao.conf
printf '[database]\nhost=%s\nport=%s\ndbname=baitiao\n' "$PGHOST" "$PGPORT" >"$config"
"$BAITIAO_BIN" migrate up --config "$config" --quiet

# No suites named: the ones configure was given (ITEST_SUITES), else every suite.
if [ $# -eq 0 ] && [ -n "${ITEST_SUITES:-}" ]; then
  # shellcheck disable=SC2086  # a list of suite names, split on purpose
  set -- $ITEST_SUITES
fi
"$top_builddir/t/integration_tests" "$@"
