#!/usr/bin/env bash
# Runs the integration tests inside throwaway PostgreSQL clusters: initdb into a temp
# dir (fsync off, unix socket only), the roles bootstrap, every migration applied
# through the real binary — and every cluster torn down on any exit, failure included.
# A missing PostgreSQL is a failure, never a skip.
#
# The suites (or tests) named, else ITEST_SUITES, else every suite the build registers,
# run ITEST_JOBS at a time (default: one per core), one integration_tests process each.
# Each worker has a cluster of its own, since some tests restart the server, and takes
# the next job when one ends, the slowest first. Each job's output is kept and printed
# in the order named, with its count and time; the last line sums them:
# "integration: N passed, N failed". docs/operations.md, "The test suite".
set -euo pipefail
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
: "${BAITIAO_BIN:?}" "${BAITIAO_SQL_DIR:?}"
pgcluster=$top_srcdir/scripts/pgcluster
tests=$top_builddir/t/integration_tests

# Measured longest first (docs/operations.md, "The test suite"): they start first so
# that the workers end together. A suite not listed starts after them.
slowest_first=(risk footing shard night schedule crash output report badinput tamper aging import chain recon gen hardening repay cutoff)
# Long suites whose tests share no fixture: each of their tests is a job of its own
# (ITEST_SPLIT="SUITE ..." instead).
# shellcheck disable=SC2206  # a list of suite names, split on purpose
split_suites=(${ITEST_SPLIT-aging})

# Throwaway data: in RAM (tmpfs) when it has room, else TMPDIR; ITEST_TMPDIR decides.
root=${ITEST_TMPDIR:-}
if [ -z "$root" ]; then
  root=${TMPDIR:-/tmp}
  if [ -d /dev/shm ] && [ -w /dev/shm ] \
     && [ "$(df -Pk /dev/shm | awk 'NR == 2 { print $4 }')" -ge $((8 * 1024 * 1024)) ]; then root=/dev/shm; fi
fi
tmp=$(mktemp -d "$root/baitiao-test.XXXXXX")
chmod 755 "$tmp"
workers=()
cleanup() {
  for pid in "${workers[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  # the workers' clusters, and the extra ones a shard test left (t/itest.c, itest_cluster)
  for pg in "$tmp"/w*/pg "$tmp"/w*/pgx-*/c*; do [ -d "$pg" ] && { "$pgcluster" stop "$pg" || true; }; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ $# -eq 0 ] && [ -n "${ITEST_SUITES:-}" ]; then
  # shellcheck disable=SC2086  # a list of suite names, split on purpose
  set -- $ITEST_SUITES
fi
if [ $# -gt 0 ]; then named=("$@"); else mapfile -t named < <("$tests" --list); fi
[ ${#named[@]} -gt 0 ] || { echo "integration: no suite to run" >&2; exit 1; }
if [ "${BT_FAULT_INJECTION:-}" != yes ]; then
  echo "integration: built without --enable-fault-injection: the crash suite and the tests that kill or" \
       "stop the binary (ITEST_FAULT_CASE) are not registered, so they do not run"
fi

# The jobs, in the order named (a split suite as its tests), each with its suite's rank
# and what it is (suite or test).
mapfile -t suites < <("$tests" --list)
jobs=() ranks=() kinds=()
rank_of() {
  local r
  for r in "${!slowest_first[@]}"; do [ "${slowest_first[$r]}" = "$1" ] && { echo "$r"; return; }; done
  echo 1000
}
for name in "${named[@]}"; do
  expand=("$name")
  case " ${split_suites[*]} " in
    *" $name "*) mapfile -t expand < <("$tests" --list "$name") ;;
  esac
  r=$(rank_of "$name")
  for j in "${expand[@]}"; do
    jobs+=("$j") ranks+=("$r")
    case " ${suites[*]} " in *" $j "*) kinds+=(suite) ;; *) kinds+=(test) ;; esac
  done
done

# The order the workers take them in: the measured slowest first, the rest as named.
for i in "${!jobs[@]}"; do printf '%s %s\n' "${ranks[$i]}" "$i"; done | sort -n -s -k1,1 | cut -d' ' -f2 >"$tmp/queue"

# The next job's index off the queue, or nothing when it is empty.
next_job() {
  exec 9>>"$tmp/queue.lock"
  flock 9
  local first
  first=$(head -n 1 "$tmp/queue")
  sed -i 1d "$tmp/queue"
  flock -u 9
  printf '%s' "$first"
}

# Worker W's cluster in DIR, migrated once (the tests clone its database "baitiao").
setup_cluster() {
  local dir=$1
  "$pgcluster" init "$dir/pg" --fast || return 1
  "$pgcluster" start "$dir/pg" || return 1
  eval "export $("$pgcluster" env "$dir/pg" | tr '\n' ' ')"
  # BT_TEST_PGDIR: the cluster, for the tests that restart the server (scripts/pgcluster)
  export PGUSER=postgres PGDATABASE=postgres BT_TEST_TMPDIR=$dir BT_TEST_PGDIR=$dir/pg
  "$pgcluster" bootstrap "$dir/pg" "$BAITIAO_SQL_DIR/bootstrap/roles.sql" baitiao || return 1
  printf '[database]\nhost=%s\nport=%s\ndbname=baitiao\n' "$PGHOST" "$PGPORT" >"$dir/baitiao.conf"
  "$BAITIAO_BIN" migrate up --config "$dir/baitiao.conf" --quiet
}

# Worker W: its cluster, then jobs off the queue until it is empty.
worker() {
  local w=$1 dir=$tmp/w$1
  mkdir -p "$dir"
  chmod 755 "$dir"
  setup_cluster "$dir" >"$dir/setup.log" 2>&1 \
    || { echo "integration: worker $w: the test cluster did not come up:" >&2; cat "$dir/setup.log" >&2; return 1; }
  local i started rc
  while i=$(next_job) && [ -n "$i" ]; do
    started=$SECONDS rc=0
    "$tests" "${jobs[$i]}" >"$tmp/job$i.log" 2>&1 || rc=$?
    echo "$rc $((SECONDS - started))" >"$tmp/job$i.rc"
    printf 'integration: %s done in %d s (exit %d)\n' "${jobs[$i]}" $((SECONDS - started)) "$rc"
  done
  # every suite dropped what it made (t/itest.c, itest_drop_databases), failed ones too
  local left
  left=$("$PG_BINDIR/psql" -X -At -d postgres -c "SELECT string_agg(datname, ' ' ORDER BY datname) FROM pg_database
          WHERE datname NOT IN ('postgres', 'template0', 'template1', 'baitiao')") || return 1
  [ -z "$left" ] || { echo "integration: worker $w: test databases not dropped: $left" >&2; return 1; }
}

n=${ITEST_JOBS:-$(nproc)}
[ "$n" -ge 1 ] 2>/dev/null || n=1
[ "$n" -le ${#jobs[@]} ] || n=${#jobs[@]}
started=$SECONDS
for ((w = 1; w <= n; w++)); do
  worker "$w" &
  workers+=($!)
done
setup_rc=0
for pid in "${workers[@]}"; do wait "$pid" || setup_rc=1; done
workers=()

# The outputs in the order named; each program's own summary line becomes the suite's.
passed=0 failed=0 rc=$setup_rc
for i in "${!jobs[@]}"; do
  name=${jobs[$i]}
  printf '\n====== %s\n' "$name"
  if [ ! -f "$tmp/job$i.rc" ]; then
    echo "${kinds[$i]} $name: did not run"; failed=$((failed + 1)); rc=1; continue
  fi
  read -r job_rc secs <"$tmp/job$i.rc"
  summary=$(grep -E '^integration: [0-9]+ passed, [0-9]+ failed$' "$tmp/job$i.log" | tail -n 1 || true)
  grep -vE '^integration: [0-9]+ passed, [0-9]+ failed$' "$tmp/job$i.log" || true
  if [ -n "$summary" ]; then
    read -r _ p _ f _ <<<"$summary"
  else
    p=0 f=1   # it crashed before its summary
  fi
  [ "$job_rc" -eq 0 ] || { rc=1; [ "$f" -gt 0 ] || f=1; }
  passed=$((passed + p)) failed=$((failed + f))
  echo "${kinds[$i]} $name: $p passed, $f failed ($secs s, exit $job_rc)"
done
printf '\nintegration: %d jobs on %d workers in %d s\n' ${#jobs[@]} "$n" $((SECONDS - started))
printf '\nintegration: %d passed, %d failed\n' "$passed" "$failed"
exit $rc
