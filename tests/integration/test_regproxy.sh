# tests/tools/regproxy.py against a real crane registry, driven with curl:
# plain forwarding (bytes, HEAD, keep-alive, Location rewriting, chunked and
# close-delimited responses), bearer and basic auth, every fault mode
# (flip-byte, truncate, status, reset, delay, stall, slow upload,
# --fault-after), streaming of a 30 MB upload with bounded proxy memory,
# the loopback-only rules and the self-exit after --max-seconds.
# Everything listens on 127.0.0.1; every wait is bounded.
source "$(dirname "$0")/lib.sh"
PROXY="$RB_SRC/tests/tools/regproxy.py"
command -v crane >/dev/null || fail "crane not found (scripts/setup.sh installs it)"
CURL=(curl -sS --max-time 30)

PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
}
trap cleanup EXIT

# wait_file FILE REGEX: up to 10 s for FILE to have a line matching REGEX.
wait_file() {
  for _ in $(seq 1 100); do
    grep -Eq -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  cat "$1" 2>/dev/null || true
  fail "timed out waiting for /$2/ in $1"
}

# the registry; its request log goes to a file so it never blocks
crane registry serve --address 127.0.0.1:0 2>"$WORK/crane.err" &
PIDS+=($!)
wait_file "$WORK/crane.err" "serving on port [0-9]+"
REG_PORT=$(grep -Eo 'serving on port [0-9]+' "$WORK/crane.err" | grep -Eo '[0-9]+$')
UP="http://127.0.0.1:$REG_PORT"

# start_proxy NAME ARGS...: starts a proxy in front of $UPSTREAM (default the
# registry); sets P (its base URL) and PP (its pid). Logs in $WORK/NAME.err.
start_proxy() {
  local name=$1; shift
  rm -f "$WORK/$name.port"
  python3 "$PROXY" --upstream "${UPSTREAM:-$UP}" --port-file "$WORK/$name.port" \
    --max-seconds 300 "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  PP=$!
  PIDS+=("$PP")
  wait_file "$WORK/$name.port" "^[0-9]+$"
  wait_file "$WORK/$name.out" "^listening on port [0-9]+$"
  P="http://127.0.0.1:$(cat "$WORK/$name.port")"
}
# stop_proxy: SIGTERM, must exit 0 within 5 s.
stop_proxy() {
  kill -TERM "$PP"
  for _ in $(seq 1 50); do kill -0 "$PP" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$PP" 2>/dev/null && fail "proxy $PP still running 5 s after SIGTERM"
  local rc=0; wait "$PP" || rc=$?
  expect_eq "proxy exit after SIGTERM" "$rc" 0
}
stats() { "${CURL[@]}" "$P/__proxy/stats" >"$WORK/stats.json"; json "$WORK/stats.json" "$1"; }

# push_blob BASE FILE [CURL ARGS...]: monolithic upload (POST, then PUT to
# the Location with ?digest=); fails unless 201. PUT_ARGS: more for the PUT.
PUT_ARGS=()
push_blob() {
  local base=$1 file=$2; shift 2
  local dg loc code
  dg=sha256:$(sha256sum "$file" | cut -d' ' -f1)
  code=$("${CURL[@]}" -o /dev/null -D "$WORK/post.h" -w '%{http_code}' -X POST "$@" "$base/v2/t/blobs/uploads/")
  expect_eq "POST upload" "$code" 202
  loc=$(grep -i '^location:' "$WORK/post.h" | tr -d '\r' | sed 's/^[^:]*: *//')
  [ -n "$loc" ] || fail "no Location after POST"
  case "$loc" in http*) ;; *) loc="$base$loc" ;; esac
  case "$loc" in *\?*) loc="$loc&digest=$dg" ;; *) loc="$loc?digest=$dg" ;; esac
  code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' -X PUT --data-binary "@$file" \
    -H 'Content-Type: application/octet-stream' ${PUT_ARGS[@]+"${PUT_ARGS[@]}"} "$@" "$loc")
  expect_eq "PUT blob $(basename "$file")" "$code" 201
}
sha() { sha256sum "$1" | cut -d' ' -f1; }

# ---- plain forwarding --------------------------------------------------
head -c 300000 /dev/urandom >"$WORK/small"
DG=sha256:$(sha "$WORK/small")
BLOB="/v2/t/blobs/$DG"
start_proxy plain
push_blob "$P" "$WORK/small"
"${CURL[@]}" -o "$WORK/got" "$P$BLOB"
expect_eq "GET through proxy" "$(sha "$WORK/got")" "$(sha "$WORK/small")"
"${CURL[@]}" -I "$P$BLOB" >"$WORK/head.h"
expect_grep "$WORK/head.h" "^HTTP/1.1 200"
expect_grep "$WORK/head.h" "^Content-Length: 300000"
# keep-alive: the second request reuses the first connection
conns=$("${CURL[@]}" -o /dev/null -o /dev/null -w '%{num_connects} ' "$P$BLOB" "$P/v2/")
expect_eq "keep-alive connects" "$conns" "1 0 "
expect_eq "plain stats" "$(stats "(r['forwarded'] >= 6, r['faults_total'])")" "(True, 0)"
expect_grep "$WORK/plain.err" "^GET $BLOB 200 -$"
stop_proxy

# ---- Location rewriting and response framing, against a fake upstream ----
cat >"$WORK/fake.py" <<'EOF'
# Fake upstream: absolute and relative Locations, close-delimited and chunked bodies.
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        port = self.server.server_address[1]
        if self.path == "/abs":
            r = b"HTTP/1.1 202 Accepted\r\nLocation: http://127.0.0.1:%d/v2/x/blobs/uploads/u1?s=1\r\nContent-Length: 0\r\n\r\n" % port
        elif self.path == "/rel":
            r = b"HTTP/1.1 202 Accepted\r\nLocation: /v2/x/blobs/uploads/u2\r\nContent-Length: 0\r\n\r\n"
        elif self.path == "/close":
            r = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"0123456789" * 100000
        else:
            r = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
        self.wfile.write(r)
        self.close_connection = True
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.timeout = 1
import time
end = time.time() + 300
while time.time() < end:
    s.handle_request()
EOF
python3 "$WORK/fake.py" >"$WORK/fake.port" 2>"$WORK/fake.err" &
PIDS+=($!)
wait_file "$WORK/fake.port" "^[0-9]+$"
UPSTREAM="http://127.0.0.1:$(cat "$WORK/fake.port")" start_proxy fake
"${CURL[@]}" -o /dev/null -D "$WORK/abs.h" "$P/abs"
expect_grep "$WORK/abs.h" "^Location: $P/v2/x/blobs/uploads/u1\?s=1"
"${CURL[@]}" -o /dev/null -D "$WORK/rel.h" "$P/rel"
expect_grep "$WORK/rel.h" "^Location: /v2/x/blobs/uploads/u2"
"${CURL[@]}" -o "$WORK/close.body" "$P/close"
expect_eq "close-delimited body" "$(wc -c <"$WORK/close.body")" 1000000
"${CURL[@]}" -o "$WORK/chunked.body" -D "$WORK/chunked.h" "$P/chunked"
expect_eq "chunked body" "$(cat "$WORK/chunked.body")" "hello world"
expect_grep "$WORK/chunked.h" "^Transfer-Encoding: chunked"
stop_proxy

# ---- bearer auth --------------------------------------------------------
start_proxy bearer --auth bearer --user alice --password s3cret --token-ttl 3
code=$("${CURL[@]}" -o "$WORK/401.json" -D "$WORK/401.h" -w '%{http_code}' "$P/v2/")
expect_eq "/v2/ without token" "$code" 401
expect_grep "$WORK/401.h" "^WWW-Authenticate: Bearer realm=\"$P/token\",service=\"regproxy\""$'\r'"?$"
expect_eq "401 body" "$(json "$WORK/401.json" "r['errors'][0]['code']")" UNAUTHORIZED
code=$("${CURL[@]}" -o /dev/null -D "$WORK/401b.h" -w '%{http_code}' "$P$BLOB")
expect_eq "blob without token" "$code" 401
expect_grep "$WORK/401b.h" "scope=\"repository:t:pull,push\""
code=$("${CURL[@]}" -o "$WORK/tok.json" -w '%{http_code}' -u alice:s3cret \
  "$P/token?service=regproxy&scope=repository:t:pull,push")
expect_eq "/token" "$code" 200
TOK=$(json "$WORK/tok.json" "r['token']")
expect_eq "token fields" "$(json "$WORK/tok.json" "(r['access_token'] == r['token'], r['expires_in'], len(r['issued_at']))")" "(True, 3, 20)"
code=$("${CURL[@]}" -o "$WORK/got" -w '%{http_code}' -H "Authorization: Bearer $TOK" "$P$BLOB")
expect_eq "blob with token" "$code" 200
expect_eq "blob with token bytes" "$(sha "$WORK/got")" "$(sha "$WORK/small")"
code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK" "$P/v2/")
expect_eq "/v2/ with token" "$code" 200
code=$("${CURL[@]}" -o /dev/null -D "$WORK/scope.h" -w '%{http_code}' -H "Authorization: Bearer $TOK" "$P/v2/other/blobs/$DG")
expect_eq "token for another repository" "$code" 401
expect_grep "$WORK/scope.h" 'error="insufficient_scope"'
code=$("${CURL[@]}" -o "$WORK/bad.json" -w '%{http_code}' -u alice:wrong "$P/token?service=regproxy&scope=repository:t:pull")
expect_eq "/token wrong password" "$code" 401
expect_eq "wrong password body" "$(json "$WORK/bad.json" "r['errors'][0]['code']")" UNAUTHORIZED
code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$P/token?service=regproxy")
expect_eq "/token no credentials" "$code" 401
head -c 1000 /dev/urandom >"$WORK/small2"
push_blob "$P" "$WORK/small2" -H "Authorization: Bearer $TOK"
sleep 3.2
code=$("${CURL[@]}" -o /dev/null -D "$WORK/exp.h" -w '%{http_code}' -H "Authorization: Bearer $TOK" "$P$BLOB")
expect_eq "expired token" "$code" 401
expect_grep "$WORK/exp.h" 'error="invalid_token"'
expect_eq "bearer stats" "$(stats "(r['tokens_issued'], r['auth_failures'])")" "(1, 6)"
stop_proxy

# ---- basic auth ---------------------------------------------------------
start_proxy basic --auth basic --user bob --password pw
code=$("${CURL[@]}" -o /dev/null -D "$WORK/basic.h" -w '%{http_code}' "$P$BLOB")
expect_eq "basic without credentials" "$code" 401
expect_grep "$WORK/basic.h" '^WWW-Authenticate: Basic realm="regproxy"'
code=$("${CURL[@]}" -o "$WORK/got" -w '%{http_code}' -u bob:pw "$P$BLOB")
expect_eq "basic with credentials" "$code" 200
expect_eq "basic bytes" "$(sha "$WORK/got")" "$(sha "$WORK/small")"
code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' -u bob:nope "$P$BLOB")
expect_eq "basic wrong password" "$code" 401
stop_proxy

# ---- faults -------------------------------------------------------------
# flip-byte after one untouched request
start_proxy flip --flip-byte --fault-after 1
"${CURL[@]}" -o "$WORK/got" "$P$BLOB"
expect_eq "first GET untouched (--fault-after 1)" "$(sha "$WORK/got")" "$(sha "$WORK/small")"
"${CURL[@]}" -o "$WORK/got" "$P$BLOB"
[ "$(sha "$WORK/got")" != "$(sha "$WORK/small")" ] || fail "flip-byte: body unchanged"
expect_eq "flip-byte length" "$(wc -c <"$WORK/got")" 300000
expect_eq "flip-byte: one byte differs" "$(cmp -l "$WORK/got" "$WORK/small" | wc -l)" 1
code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$P/v2/")
expect_eq "non-matching path untouched" "$code" 200
expect_eq "flip stats" "$(stats "r['faults_injected']['flip_byte']")" 1
stop_proxy

start_proxy trunc --truncate
rc=0; "${CURL[@]}" -o "$WORK/got" "$P$BLOB" 2>/dev/null || rc=$?
expect_eq "truncate: curl exit (partial file)" "$rc" 18
expect_eq "truncate: half the body" "$(wc -c <"$WORK/got")" 150000
expect_eq "truncate stats" "$(stats "r['faults_injected']['truncate']")" 1
stop_proxy

start_proxy s503 --status 503
code=$("${CURL[@]}" -o "$WORK/503.json" -w '%{http_code}' "$P$BLOB")
expect_eq "status 503" "$code" 503
expect_eq "503 body" "$(json "$WORK/503.json" "r['errors'][0]['code']")" UNAVAILABLE
expect_eq "503 stats" "$(stats "(r['faults_injected']['status'], r['forwarded'])")" "(1, 0)"
stop_proxy
start_proxy s429 --status 429
code=$("${CURL[@]}" -o /dev/null -D "$WORK/429.h" -w '%{http_code}' "$P$BLOB")
expect_eq "status 429" "$code" 429
expect_grep "$WORK/429.h" "^Retry-After: 1"
stop_proxy

start_proxy reset --reset
rc=0; "${CURL[@]}" -o /dev/null "$P$BLOB" 2>/dev/null || rc=$?
case "$rc" in 52|56) ;; *) fail "reset: curl exit $rc, want 52 or 56" ;; esac
expect_eq "reset stats" "$(stats "r['faults_injected']['reset']")" 1
stop_proxy

start_proxy delay --delay 1
t=$("${CURL[@]}" -o "$WORK/got" -w '%{time_total}' "$P$BLOB")
python3 -c "import sys; sys.exit(0 if float('$t') >= 1.0 else 1)" || fail "delay 1: took only $t s"
expect_eq "delay: bytes intact" "$(sha "$WORK/got")" "$(sha "$WORK/small")"
stop_proxy

start_proxy stall --stall
start=$(date +%s)
rc=0; "${CURL[@]}" --max-time 3 -o "$WORK/got" "$P$BLOB" 2>/dev/null || rc=$?
expect_eq "stall: curl exit (timeout)" "$rc" 28
[ $(( $(date +%s) - start )) -le 10 ] || fail "stall: curl did not give up in time"
expect_eq "stall: part of the body" "$(wc -c <"$WORK/got")" 150000
expect_eq "stall stats" "$(stats "r['faults_injected']['stall']")" 1
stop_proxy

start_proxy slow --slow-upload 200000 --fault-path '^/v2/.+/blobs/uploads/' --fault-method PUT
head -c 400000 /dev/urandom >"$WORK/slow"
start=$(date +%s.%N)
push_blob "$P" "$WORK/slow"
python3 -c "import sys; sys.exit(0 if $(date +%s.%N) - $start >= 1.5 else 1)" || fail "slow-upload: 400 kB at 200 kB/s took < 1.5 s"
expect_eq "slow-upload stats" "$(stats "r['faults_injected']['slow_upload']")" 1
stop_proxy

# ---- streaming: 30 MB in both framings, bounded proxy memory -------------
start_proxy big
head -c $((30 * 1024 * 1024)) /dev/urandom >"$WORK/big"
push_blob "$P" "$WORK/big"
"${CURL[@]}" -o "$WORK/got" "$P/v2/t/blobs/sha256:$(sha "$WORK/big")"
expect_eq "30 MB round trip" "$(sha "$WORK/got")" "$(sha "$WORK/big")"
head -c $((8 * 1024 * 1024)) /dev/urandom >"$WORK/big2"
PUT_ARGS=(-H 'Transfer-Encoding: chunked')
push_blob "$P" "$WORK/big2"
PUT_ARGS=()
expect_grep "$WORK/big.err" "^PUT .* 201 -$"

"${CURL[@]}" -o "$WORK/got" "$P/v2/t/blobs/sha256:$(sha "$WORK/big2")"
expect_eq "chunked upload round trip" "$(sha "$WORK/got")" "$(sha "$WORK/big2")"
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$PP/status")
[ "$hwm" -lt 102400 ] || fail "proxy peak RSS ${hwm} kB >= 100 MB: bodies are buffered"
echo "proxy peak RSS after 38 MB through: ${hwm} kB"
rm -f "$WORK/big" "$WORK/big2" "$WORK/got"
stop_proxy

# ---- loopback only; exits by itself ----------------------------------------
rc=0; python3 "$PROXY" --upstream http://192.0.2.1:5000 --max-seconds 1 >/dev/null 2>"$WORK/refuse.err" || rc=$?
expect_eq "non-loopback upstream refused" "$rc" 2
expect_grep "$WORK/refuse.err" "loopback"
rc=0; python3 "$PROXY" --upstream "$UP" --listen 0.0.0.0:0 --max-seconds 1 >/dev/null 2>"$WORK/refuse.err" || rc=$?
expect_eq "non-loopback listen refused" "$rc" 2
start_proxy short --max-seconds 1
for _ in $(seq 1 50); do kill -0 "$PP" 2>/dev/null || break; sleep 0.1; done
kill -0 "$PP" 2>/dev/null && fail "proxy still running after --max-seconds 1"
rc=0; wait "$PP" || rc=$?
expect_eq "exit after --max-seconds" "$rc" 0

echo "test_regproxy: ok"
