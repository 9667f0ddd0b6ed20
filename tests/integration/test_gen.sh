# test_gen: `regbench gen` writes OCI layouts that real tools accept:
# umoci unpacks them (checking diff_ids), skopeo pushes them to a crane
# registry started here, crane validate --remote checks every layer (gunzip,
# tar, digests, diff_ids) and skopeo pulls them back. Also: determinism,
# different seeds, shared layers, the cache, and exit code 2 on bad input.
source "$RB_SRC/tests/integration/lib.sh"

gen() { "$REGBENCH" gen --quiet "$@"; }

# --- bad input: exit 2 and a message naming the flag ---
expect_bad() {
  local what=$1; shift
  set +e
  out=$("$REGBENCH" gen --out "$WORK/bad" "$@" 2>&1); rc=$?
  set -e
  expect_eq "exit code for $*" "$rc" 2
  echo "$out" | grep -q -- "$what" || fail "message for $* does not name $what: $out"
}
expect_bad --layer-size --layer-size 10XB
expect_bad --compression --compression 12
expect_bad --layers --layers -1
expect_bad --images --images -3
expect_bad --compressibility --compressibility 2
expect_bad --format --format zip
mkdir -p "$WORK/ro"; chmod 500 "$WORK/ro"
if [ "$(id -u)" != 0 ]; then
  set +e; "$REGBENCH" gen --out "$WORK/ro/x" >/dev/null 2>&1; rc=$?; set -e
  expect_eq "unwritable --out" "$rc" 2
fi
set +e; "$REGBENCH" gen --out /proc/regbench-test >/dev/null 2>&1; rc=$?; set -e
expect_eq "unwritable --out /proc" "$rc" 2

# --- determinism, seeds, sharing ---
gen --out "$WORK/a" --images 2 --layers 3 --shared 1 --layer-size 3MB --seed 7 --cache "$WORK/cache1" >/dev/null
gen --out "$WORK/b" --images 2 --layers 3 --shared 1 --layer-size 3MB --seed 7 --cache "" >/dev/null
gen --out "$WORK/c" --images 1 --layers 3 --layer-size 3MB --seed 8 --cache "" >/dev/null
diff -r "$WORK/a" "$WORK/b" >/dev/null || fail "same seed gave different layouts"
ma=$(json "$WORK/a/index.json" 'r["manifests"][0]["digest"]')
mc=$(json "$WORK/c/index.json" 'r["manifests"][0]["digest"]')
[ "$ma" != "$mc" ] || fail "different seeds gave the same manifest"
# layer digests of image-0 seed 7 vs seed 8 must all differ
la=$(python3 -c 'import json,sys; d=sys.argv[1]; i=json.load(open(d+"/index.json")); m=json.load(open(d+"/blobs/sha256/"+i["manifests"][0]["digest"][7:])); print(" ".join(l["digest"] for l in m["layers"]))' "$WORK/a")
lc=$(python3 -c 'import json,sys; d=sys.argv[1]; i=json.load(open(d+"/index.json")); m=json.load(open(d+"/blobs/sha256/"+i["manifests"][0]["digest"][7:])); print(" ".join(l["digest"] for l in m["layers"]))' "$WORK/c")
for d in $la; do case " $lc " in *" $d "*) fail "layer $d appears with both seeds";; esac; done
python3 - "$WORK/a" <<'EOF' || fail "shared layers or sizes wrong"
import json, sys, os, hashlib, gzip
d = sys.argv[1]
idx = json.load(open(d + "/index.json"))
ms = [json.load(open(d + "/blobs/sha256/" + m["digest"][7:])) for m in idx["manifests"]]
assert [m["annotations"]["org.opencontainers.image.ref.name"] for m in idx["manifests"]] == ["image-0", "image-1"]
assert ms[0]["layers"][0]["digest"] == ms[1]["layers"][0]["digest"], "first layer not shared"
assert ms[0]["layers"][1]["digest"] != ms[1]["layers"][1]["digest"], "unique layers shared"
for m in ms:
    cfg = json.load(open(d + "/blobs/sha256/" + m["config"]["digest"][7:]))
    for l, diff in zip(m["layers"], cfg["rootfs"]["diff_ids"]):
        p = d + "/blobs/sha256/" + l["digest"][7:]
        data = open(p, "rb").read()
        assert len(data) == l["size"] and abs(l["size"] - 3e6) <= 3e4, l
        assert "sha256:" + hashlib.sha256(data).hexdigest() == l["digest"]
        assert "sha256:" + hashlib.sha256(gzip.decompress(data)).hexdigest() == diff
EOF
# second run with the same cache takes digests from it
out=$(gen --out "$WORK/a2" --images 2 --layers 3 --shared 1 --layer-size 3MB --seed 7 --cache "$WORK/cache1" 2>&1)
echo "$out" | grep -q "5 layer digest(s) from the cache" || fail "cache not used: $out"
diff -r "$WORK/a" "$WORK/a2" >/dev/null || fail "cached run differs"

# --- umoci unpack (checks diff_ids) ---
umoci unpack --rootless --image "$WORK/a:image-0" "$WORK/bundle" >/dev/null 2>&1 || fail "umoci unpack failed"
n=$(ls "$WORK/bundle/rootfs" | wc -l)
[ "$n" -ge 3 ] || fail "umoci rootfs has $n files"

# --- push to a crane registry with skopeo, validate with crane, pull back ---
gen --out "$WORK/d" --images 1 --layers 2 --layer-size 2MB --compression 9 --compressibility 0.3 --seed 3 --format docker >/dev/null
gen --out "$WORK/n" --images 1 --layers 2 --layer-size 1MB --compression none --seed 4 >/dev/null
gen --out "$WORK/z" --images 1 --layers 2 --layer-size 1MB --compression 0 --compressibility 0.9 --seed 5 >/dev/null
CRANE=${REGBENCH_CRANE:-$(command -v crane)}
"$CRANE" registry serve --address 127.0.0.1:0 2>"$WORK/registry.log" &
REG_PID=$!
trap 'kill $REG_PID 2>/dev/null || true' EXIT
PORT=
for _ in $(seq 1 100); do
  PORT=$(sed -n 's/.*serving on port \([0-9][0-9]*\).*/\1/p' "$WORK/registry.log" | head -1)
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || fail "crane registry did not start: $(cat "$WORK/registry.log")"
R=127.0.0.1:$PORT
push_check() { # LAYOUT REF REPO [crane]
  if [ "${4:-}" = crane ]; then
    # skopeo's oci: transport only reads OCI manifests from a layout; crane
    # pushes Docker schema 2 manifests from one as they are.
    timeout 120 "$CRANE" push "$1" "$R/$3:t" >/dev/null 2>&1 || fail "crane push $1"
  else
    timeout 120 skopeo copy -q --dest-tls-verify=false "oci:$1:$2" "docker://$R/$3:t" || fail "skopeo push $1:$2"
  fi
  timeout 120 "$CRANE" validate --remote "$R/$3:t" >"$WORK/validate.out" 2>&1 || fail "crane validate $3: $(cat "$WORK/validate.out")"
  rm -rf "$WORK/pull-$3"
  timeout 120 skopeo copy -q --src-tls-verify=false "docker://$R/$3:t" "oci:$WORK/pull-$3:t" || fail "skopeo pull $3"
}
push_check "$WORK/a" image-0 oci0
push_check "$WORK/a" image-1 oci1
push_check "$WORK/d" image-0 docker crane
push_check "$WORK/n" image-0 plain
push_check "$WORK/z" image-0 stored
# the pulled image has the same manifest digest as the generated one
got=$("$CRANE" digest "$R/oci0:t")
expect_eq "manifest digest after push" "$got" "$ma"
kill $REG_PID; wait $REG_PID 2>/dev/null || true
trap - EXIT
rm -rf "$WORK"
echo "test_gen: ok"
