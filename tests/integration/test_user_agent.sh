# Every request says who it is: regbench's requests carry
# User-Agent: regbench/VERSION through both HTTP clients (the built-in one
# for small GETs, libcurl for uploads; --http-client libcurl for all), as
# distribution's JSON access log shows. --user-agent and a suite registry's
# user_agent replace it; rb.registry.connect{user_agent=} and a request's own
# User-Agent header win over both. A bad --user-agent exits 2.
source "$(dirname "$0")/lib.sh"

version=$("$REGBENCH" --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n1)
[ -n "$version" ] || fail "no version in '$("$REGBENCH" --version)'"
ua="regbench/$version"

DIST_ACCESS_LOG=1 start_distribution dist
LOG="$WORK/dist.log"

# check_log FROM_LINE WANT_UA [URI_RE]: the access log's requests after line
# FROM_LINE (optionally only those whose URI matches URI_RE) all carry
# WANT_UA; with no URI_RE there must be manifest GET/PUT and blob GET and
# upload requests among them. Prints how many requests were checked.
check_log() {
  python3 - "$LOG" "$1" "$2" "${3:-}" <<'PY'
import json, re, sys
path, start, want, uri_re = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
seen, bad = set(), []
n = 0
with open(path, errors="replace") as f:
    for i, line in enumerate(f, 1):
        if i <= start or not line.startswith("{"):
            continue
        o = json.loads(line)
        if not str(o.get("msg", "")).startswith("response completed"):   # also "... with error"
            continue
        uri, method = o["http.request.uri"], o["http.request.method"]
        if uri_re and not re.search(uri_re, uri):
            continue
        n += 1
        if "/manifests/" in uri: seen.add("manifest " + method)
        elif "/blobs/uploads/" in uri: seen.add("upload " + method)
        elif "/blobs/" in uri: seen.add("blob " + method)
        if o.get("http.request.useragent") != want:
            bad.append("%s %s: %r" % (method, uri, o.get("http.request.useragent")))
if bad:
    sys.exit("want User-Agent %r, got:\n  %s" % (want, "\n  ".join(bad[:10])))
if n == 0:
    sys.exit("no request in the log after line %d matching %r" % (start, uri_re))
if not uri_re:
    need = {"manifest GET", "manifest PUT", "blob GET", "upload PUT"}
    if not need <= seen:
        sys.exit("missing request kinds %s (seen %s)" % (sorted(need - seen), sorted(seen)))
print(n)
PY
}
lines() { wc -l <"$LOG"; }

bulk=(run "$RB_SRC/scenarios/bulk.lua" --target "$dist_URL" --set images=2 --set sizes=50KB --repo-prefix auto --quiet)
for client in auto libcurl; do
  from=$(lines)
  run_rb 0 "${bulk[@]}" --http-client "$client" --out "$WORK/$client"
  n=$(check_log "$from" "$ua") || fail "--http-client $client: default User-Agent"
  echo "--http-client $client: $n requests with User-Agent $ua"
done

# --user-agent replaces the default, through both clients
for client in auto libcurl; do
  from=$(lines)
  run_rb 0 "${bulk[@]}" --http-client "$client" --user-agent "mybench/2.0 (ci; x=1)" --out "$WORK/ua-$client"
  n=$(check_log "$from" "mybench/2.0 (ci; x=1)") || fail "--http-client $client --user-agent"
  echo "--http-client $client --user-agent: $n requests"
done

# a suite registry's user_agent
cat >"$WORK/suite.yaml" <<YAML
name: ua
registries:
  - {name: d, kind: external, url: "$dist_URL", user_agent: "suite-ua/4"}
scenarios:
  - {name: bulk, file: $RB_SRC/scenarios/bulk.lua, params: {images: 1, sizes: 50KB, seed: 7}}
YAML
from=$(lines)
run_rb 0 suite "$WORK/suite.yaml" --out "$WORK/suite"
n=$(check_log "$from" "suite-ua/4") || fail "suite user_agent"
echo "suite user_agent: $n requests"

# in Lua, connect{user_agent=} and a request's own header win over --user-agent
cat >"$WORK/lua_ua.lua" <<'LUA'
local rb = require "regbench"
local t = rb.registry.target()
local reg = rb.registry.connect(t.url, {user_agent = "lua-connect/1"})
assert(reg:get_manifest("uatest/conn", "latest") == nil)
local r = assert(rb.http.request{url = t.url .. "/v2/uatest/hdr/manifests/latest",
                                 headers = {["User-Agent"] = "lua-header/2"}})
assert(r.status == 404)
assert(not pcall(rb.registry.connect, t.url, {user_agent = "bad\nagent"}))
LUA
for client in auto libcurl; do
  from=$(lines)
  run_rb 0 run "$WORK/lua_ua.lua" --target "$dist_URL" --user-agent cli-ua/3 --http-client "$client" --out "$WORK/lua-$client" --quiet
  check_log "$from" "lua-connect/1" "/uatest/conn/" >/dev/null || fail "$client: connect{user_agent=}"
  check_log "$from" "lua-header/2" "/uatest/hdr/" >/dev/null || fail "$client: headers[User-Agent]"
  check_log "$from" "cli-ua/3" "^/v2/\$" >/dev/null || fail "$client: --user-agent on the reachability check"
done
echo "Lua overrides: ok"

# bad values: exit 2, one clear line, nothing run
for bad in "" $'two\r\nlines' "caf"$'\xc3\xa9' "$(printf 'x%.0s' $(seq 1 257))"; do
  run_rb 2 "${bulk[@]}" --user-agent "$bad" --out "$WORK/bad"
  expect_grep "$WORK/err.txt" "bad --user-agent: a User-Agent must be"
  [ ! -e "$WORK/bad" ] || fail "a bad --user-agent left $WORK/bad"
done
echo "test_user_agent: ok"
