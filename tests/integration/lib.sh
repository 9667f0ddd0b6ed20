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
# no_process_matching PATTERN: fails if a process whose command line matches is alive.
no_registry_left() {
  local left
  left=$(pgrep -f "$1" || true)
  [ -z "$left" ] || fail "registry process still running: $(ps -o pid,args -p $left | tail -n +2)"
}
