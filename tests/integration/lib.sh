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
  no_sanitizer_report "$WORK/err.txt"
}
# no_sanitizer_report FILE: fails if FILE holds an ASan/LSan/UBSan report.
no_sanitizer_report() {
  if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer' "$1"; then
    cat "$1"; fail "sanitizer report in $1"
  fi
}
# expect_grep FILE REGEX: fails unless FILE has a line matching REGEX (extended).
expect_grep() { grep -Eq -- "$2" "$1" || { cat "$1"; fail "$1 does not match /$2/"; }; }
SCN="$RB_SRC/tests/scenarios"

# ---- registries started by a test (for tools that need them after regbench exits)
GOBIN_DIR="$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin"
_pids=()
_cleanup() { for p in "${_pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap _cleanup EXIT

# wait_port_file FILE: waits (bounded) until FILE holds a port; echoes it.
_wait_for() { # PATTERN FILE
  for _ in $(seq 1 200); do
    local p; p=$(grep -oE "$1" "$2" 2>/dev/null | grep -oE '[0-9]+$' | head -n1 || true)
    [ -n "$p" ] && { echo "$p"; return 0; }
    sleep 0.05
  done
  cat "$2" >&2; fail "timed out waiting for /$1/ in $2"
}

# start_crane NAME [DISK_DIR]: starts a crane registry; sets NAME_URL, NAME_PORT and NAME_PID.
start_crane() {
  local name=$1 disk=${2:-} log="$WORK/$1.log"
  local args=(registry serve --address 127.0.0.1:0)
  [ -n "$disk" ] && { mkdir -p "$disk"; args+=(--disk "$disk"); }
  crane "${args[@]}" >"$log" 2>&1 &
  _pids+=($!)
  printf -v "${name}_PID" %s "$!"
  local port; port=$(_wait_for 'serving on port [0-9]+' "$log")
  printf -v "${name}_PORT" %s "$port"; printf -v "${name}_URL" %s "http://127.0.0.1:$port"
}

# free_port: a free loopback TCP port.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_distribution NAME [ROOTDIR] [HTPASSWD]: starts Debian's docker-registry
# (distribution 2.8; with DIST3=1 in the environment, distribution 3's
# `registry` instead); its output goes to $WORK/NAME.log. With
# DIST_ACCESS_LOG=1 in the environment, that log is the JSON access log (one
# object per request, level info).
start_distribution() {
  local name=$1 root=${2:-} htp=${3:-} port; port=$(free_port)
  local cfg="$WORK/$name.yml"
  {
    echo "version: 0.1"
    if [ "${DIST_ACCESS_LOG:-}" = 1 ]; then echo "log: {level: info, formatter: json}"; else echo "log: {level: warn}"; fi
    echo "storage:"
    echo "  delete: {enabled: true}"
    if [ -n "$root" ]; then mkdir -p "$root"; echo "  filesystem: {rootdirectory: $root}"; else echo "  inmemory: {}"; fi
    echo "http: {addr: 127.0.0.1:$port}"
    [ -n "$htp" ] && echo "auth: {htpasswd: {realm: regbench-test, path: $htp}}"
  } >"$cfg"
  local bin=docker-registry
  if [ "${DIST3:-}" = 1 ]; then
    bin=${REGBENCH_DISTRIBUTION3:-$(command -v registry || echo /usr/local/bin/registry)}
    [ -x "$bin" ] || fail "distribution 3 'registry' not found (REGBENCH_DISTRIBUTION3, PATH, /usr/local/bin); run scripts/setup.sh"
  fi
  env -u REGISTRY_HTTP_ADDR "$bin" serve "$cfg" >"$WORK/$name.log" 2>&1 &
  _pids+=($!)
  for _ in $(seq 1 200); do
    curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/" 2>/dev/null | grep -qE '200|401' && break
    sleep 0.05
  done
  printf -v "${name}_PORT" %s "$port"; printf -v "${name}_URL" %s "http://127.0.0.1:$port"
}

# start_proxy NAME UPSTREAM_URL ARGS...: starts tests/tools/regproxy.py; sets NAME_URL.
start_proxy() {
  local name=$1 up=$2; shift 2
  local pf="$WORK/$name.port"; rm -f "$pf"
  python3 "$RB_SRC/tests/tools/regproxy.py" --upstream "$up" --port-file "$pf" --max-seconds 600 "$@" \
    >"$WORK/$name.out" 2>"$WORK/$name.log" &
  _pids+=($!)
  for _ in $(seq 1 200); do [ -s "$pf" ] && break; sleep 0.05; done
  [ -s "$pf" ] || { cat "$WORK/$name.log"; fail "proxy $name did not start"; }
  printf -v "${name}_URL" %s "http://127.0.0.1:$(cat "$pf")"
}
