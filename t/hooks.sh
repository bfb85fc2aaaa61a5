#!/usr/bin/env bash
# The test hooks are in the test builds only (issue 14 §5, src/fault.h): the strings of
# the binary BAITIAO_BIN against the hooks' names. Built with --enable-fault-injection
# (BT_FAULT_INJECTION=yes) every name must be there, which proves the names below are
# the ones the hooks use; built without (the default, the release tarball: distcheck
# and CI's clang build run it so) none may be.
set -euo pipefail
: "${BAITIAO_BIN:?run through make check (or set BAITIAO_BIN and BT_FAULT_INJECTION)}"
names=(
  BAITIAO_FAULT BAITIAO_REPORT_SHEET_ROWS "fault injected" "fault point"
  step-start stmt:%s mid-copy: before-commit after-commit after-commit-sent
  run-start before-close after-close report-before-publish shard-load-decided shard-load-partial
)
if command -v strings >/dev/null; then text=$(strings -a "$BAITIAO_BIN")
else text=$(tr -c '[:print:]' '\n' <"$BAITIAO_BIN"); fi

bad=0
for n in "${names[@]}"; do
  if grep -qF -- "$n" <<<"$text"; then
    [ "${BT_FAULT_INJECTION:-no}" = yes ] || { echo "hooks: the default build's binary holds \"$n\""; bad=1; }
  else
    [ "${BT_FAULT_INJECTION:-no}" != yes ] || { echo "hooks: the test build's binary lacks \"$n\" (is the list above stale?)"; bad=1; }
  fi
done
what=$([ "${BT_FAULT_INJECTION:-no}" = yes ] && echo "all ${#names[@]} hook names present (test build)" \
       || echo "none of ${#names[@]} hook names present (default build)")
[ $bad -eq 0 ] && echo "hooks: $what: ok ($BAITIAO_BIN)"
exit $bad
