# Shared helpers for integration tests (sourced). Each test gets a fresh work
# directory under $RB_BUILD/test-work/<test name>, removed on success.
set -euo pipefail
: "${REGBENCH:?REGBENCH must point at the regbench binary}"
: "${RB_SRC:?}" "${RB_BUILD:?}"
TEST_NAME=$(basename "$0" .sh)
WORK="$RB_BUILD/test-work/$TEST_NAME"
rm -rf "$WORK"; mkdir -p "$WORK"
export XDG_CACHE_HOME="$WORK/cache"
export PATH="$PATH:$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin"

fail() { echo "FAIL ($TEST_NAME): $*" >&2; exit 1; }
# json FILE PYEXPR: evaluates a Python expression with `r` bound to the parsed JSON.
json() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
# expect_eq WHAT GOT WANT
expect_eq() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; }
# registry_gone RESULTS_JSON: fails if the registry that run launched is still alive.
registry_gone() {
  local pid
  pid=$(json "$1" "r['registry'].get('pid') or ''")
  [ -n "$pid" ] || fail "$1 names no registry pid"
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    # a zombie (reaped later by init) is gone for our purposes
    [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = "Z" ] && return 0
    sleep 0.1
  done
  fail "registry process $pid still running after regbench exited"
}
# run_rb EXPECTED_EXIT ARGS...: runs regbench, output in $WORK/out.txt / err.txt; checks the exit code.
run_rb() {
  local want=$1; shift
  local rc=0
  "$REGBENCH" "$@" >"$WORK/out.txt" 2>"$WORK/err.txt" || rc=$?
  if [ "$rc" != "$want" ]; then
    echo "--- stdout"; cat "$WORK/out.txt"; echo "--- stderr"; cat "$WORK/err.txt"
    fail "regbench $* exited $rc, want $want"
  fi
}
# expect_grep FILE REGEX: fails unless FILE has a line matching REGEX (extended).
expect_grep() { grep -Eq -- "$2" "$1" || { cat "$1"; fail "$1 does not match /$2/"; }; }
SCN="$RB_SRC/tests/scenarios"
