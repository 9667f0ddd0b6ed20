# test_zstd: tar+zstd layers checked by real tools on loopback. `regbench gen
# --compression zstd` writes an OCI layout whose layer blobs decompress with
# the zstd tool, list with tar -t and hash to their digests (and diff_ids);
# skopeo copies the layout; the same flags and seed give the same bytes; the
# bundled scenarios push zstd images (--set compression=zstd) to a crane
# registry started here and crane checks them remotely; zstd with the docker
# format, or a zstd level out of range, exits 2 with a clear message.
#
# crane validate --remote (go-containerregistry v0.22) reads every compressed
# layer with a gzip reader, so it fails on any zstd layer ("gzip: invalid
# header"), also on one skopeo compresses with zstd itself. validate_remote
# accepts that failure only when such a skopeo-made control image fails the
# same way, and then checks what crane validate would: `crane validate --fast`
# (manifest, config, blobs present), `crane export` (Go's zstd decoder unpacks
# every layer) and, per layer, sha256 of `crane blob` = digest and of its
# `zstd -d` = the config's diff_id.
source "$RB_SRC/tests/integration/lib.sh"

command -v zstd >/dev/null || fail "the zstd tool is missing (apt-get install zstd; scripts/setup.sh)"
gen() { "$REGBENCH" gen --quiet "$@"; }

# --- bad input: exit 2 and a message that says what is wrong ---
expect_bad() { # WHAT ARGS...
  local what=$1; shift
  set +e
  out=$("$REGBENCH" gen --out "$WORK/bad" "$@" 2>&1); rc=$?
  set -e
  expect_eq "exit code for $*" "$rc" 2
  echo "$out" | grep -q -- "$what" || fail "message for $* does not say '$what': $out"
}
expect_bad "Docker schema 2 has no zstd" --compression zstd --format docker
expect_bad "not accepted for zstd; use 1-19" --compression zstd --level 0
expect_bad "not accepted for zstd; use 1-19" --compression zstd --level 20
expect_bad "not accepted for gzip; use 0-9" --compression gzip --level 12
expect_bad "use \"gzip\", \"zstd\"" --compression lz4
[ ! -e "$WORK/bad/index.json" ] || fail "a refused gen wrote a layout"

# --- the layout: every layer decompresses, lists and hashes right ---
gen --out "$WORK/z" --images 2 --layers 3 --shared 1 --layer-size 3MB --compression zstd --seed 11 --cache "" >/dev/null
gen --out "$WORK/z19" --images 1 --layers 2 --layer-size 1MB --compression zstd --level 19 --compressibility 0.8 \
    --files 5 --seed 12 >/dev/null
gen --out "$WORK/z1" --images 1 --layers 1 --layer-size 50KB --compression zstd --level 1 --compressibility 0 \
    --seed 13 >/dev/null
check_layout() { # DIR SIZE FILES: each layer blob: zstd -d | tar -t, digests, diff_ids, sizes
  python3 - "$@" <<'EOF' || fail "layout $1 is wrong"
import hashlib, json, subprocess, sys
d, size, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
idx = json.load(open(d + "/index.json"))
for desc in idx["manifests"]:
    m = json.load(open(d + "/blobs/sha256/" + desc["digest"][7:]))
    assert m["mediaType"] == "application/vnd.oci.image.manifest.v1+json", m["mediaType"]
    cfg = json.load(open(d + "/blobs/sha256/" + m["config"]["digest"][7:]))
    assert len(cfg["rootfs"]["diff_ids"]) == len(m["layers"])
    for l, diff in zip(m["layers"], cfg["rootfs"]["diff_ids"]):
        assert l["mediaType"] == "application/vnd.oci.image.layer.v1.tar+zstd", l
        p = d + "/blobs/sha256/" + l["digest"][7:]
        data = open(p, "rb").read()
        assert "sha256:" + hashlib.sha256(data).hexdigest() == l["digest"], ("digest", l)
        assert len(data) == l["size"] == size, ("size", len(data), l["size"], size)
        # the zstd tool checks the stream; its output must be the tar of the diff_id
        tar = subprocess.run(["zstd", "-d", "-c", "-q", p], capture_output=True, check=True).stdout
        assert "sha256:" + hashlib.sha256(tar).hexdigest() == diff, ("diff_id", l)
        names = subprocess.run(["tar", "-t"], input=tar, capture_output=True, check=True).stdout.split()
        assert len(names) == files and len(set(names)) == files, ("tar -t", names)
        subprocess.run(["zstd", "-t", "-q", p], check=True)
print("checked", d)
EOF
}
check_layout "$WORK/z" 3000000 1
check_layout "$WORK/z19" 1000000 5
check_layout "$WORK/z1" 50000 1

# --- deterministic: same flags and seed, same bytes; cached digests agree ---
gen --out "$WORK/z-again" --images 2 --layers 3 --shared 1 --layer-size 3MB --compression zstd --seed 11 \
    --cache "$WORK/cache" >/dev/null
diff -r "$WORK/z" "$WORK/z-again" >/dev/null || fail "same zstd flags and seed gave different layouts"
out=$(gen --out "$WORK/z-cached" --images 2 --layers 3 --shared 1 --layer-size 3MB --compression zstd --seed 11 \
      --cache "$WORK/cache" 2>&1)
echo "$out" | grep -q "5 layer digest(s) from the cache" || fail "zstd digests not taken from the cache: $out"
diff -r "$WORK/z" "$WORK/z-cached" >/dev/null || fail "cached zstd run differs"
# the older spelling still means gzip; zstd and gzip blobs differ
gen --out "$WORK/g" --images 1 --layers 1 --layer-size 1MB --compression 6 --seed 11 >/dev/null
gen --out "$WORK/g2" --images 1 --layers 1 --layer-size 1MB --compression gzip --level 6 --seed 11 >/dev/null
diff -r "$WORK/g" "$WORK/g2" >/dev/null || fail "--compression 6 and --compression gzip --level 6 differ"
grep -rq "tar+gzip" "$WORK/g/blobs" || fail "--compression 6 is not gzip"

# --- skopeo copies the layout ---
for ref in image-0 image-1; do
  timeout 120 skopeo copy -q "oci:$WORK/z:$ref" "oci:$WORK/copy:$ref" || fail "skopeo copy oci:$WORK/z:$ref"
done
check_layout "$WORK/copy" 3000000 1

# --- the scenarios push zstd images; crane validate checks them remotely ---
start_crane R
R=127.0.0.1:$R_PORT
run_rb 0 run "$RB_SRC/scenarios/single.lua" --target "$R_URL" --out "$WORK/single" --quiet \
  --set compression=zstd --set sizes=2MB --set levels=3,19 --set layers=2
expect_eq "single status" "$(json "$WORK/single/results.json" "r['status']")" ok
python3 - "$WORK/single/results.json" <<'EOF' || fail "single.lua phases are not named for zstd"
import json, sys
r = json.load(open(sys.argv[1]))
names = [p["name"] for p in r["phases"]]
for want in ("push/size=2MB/zstd-level=3", "pull/size=2MB/zstd-level=19"):
    assert want in names, (want, names)
EOF
# the control: a gzip image that skopeo recompresses with zstd on its way in
gen --out "$WORK/ctl" --images 1 --layers 1 --layer-size 1MB --seed 21 >/dev/null
timeout 120 skopeo copy -q --dest-tls-verify=false --dest-compress-format zstd "oci:$WORK/ctl:image-0" \
  "docker://$R/control:t" || fail "skopeo copy of the control image"
crane manifest "$R/control:t" | grep -q 'tar+zstd' || fail "skopeo did not make the control image zstd"
control=$(timeout 120 crane validate --remote "$R/control:t" 2>&1 || true)
validate_remote() { # REPO:TAG
  local ref=$R/$1 m
  m=$(crane manifest "$ref")
  echo "$m" | grep -q 'application/vnd.oci.image.layer.v1.tar+zstd' || fail "$1 has no zstd layers: $m"
  if timeout 120 crane validate --remote "$ref" >"$WORK/validate.out" 2>&1; then
    echo "crane validate --remote $1: pass"
    return 0
  fi
  grep -q "gzip: invalid header" "$WORK/validate.out" && echo "$control" | grep -q "gzip: invalid header" \
    || fail "crane validate $1: $(cat "$WORK/validate.out") (skopeo's zstd control: $control)"
  echo "crane validate --remote $1: gzip-only here, as on skopeo's zstd control; checking the rest"
  timeout 120 crane validate --fast --remote "$ref" >"$WORK/validate.out" 2>&1 \
    || fail "crane validate --fast $1: $(cat "$WORK/validate.out")"
  timeout 120 crane export "$ref" - | tar -t >/dev/null || fail "crane export $1 | tar -t"
  crane config "$ref" >"$WORK/config.json"
  echo "$m" >"$WORK/manifest.json"
  python3 - "$ref" "$WORK/manifest.json" "$WORK/config.json" <<'EOF' || fail "layers of $1 do not match"
import hashlib, json, subprocess, sys
ref, m, cfg = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
repo = ref.rsplit(":", 1)[0]
for l, diff in zip(m["layers"], cfg["rootfs"]["diff_ids"]):
    blob = subprocess.run(["crane", "blob", repo + "@" + l["digest"]], capture_output=True, check=True).stdout
    assert len(blob) == l["size"] and "sha256:" + hashlib.sha256(blob).hexdigest() == l["digest"], l
    tar = subprocess.run(["zstd", "-d", "-c", "-q"], input=blob, capture_output=True, check=True).stdout
    assert "sha256:" + hashlib.sha256(tar).hexdigest() == diff, ("diff_id", l)
EOF
}
validate_remote single/s2mb-zstd-l3:r1
validate_remote single/s2mb-zstd-l19:r1
run_rb 0 run "$RB_SRC/scenarios/bulk.lua" --target "$R_URL" --out "$WORK/bulk" --quiet \
  --set compression=zstd --set images=2 --set sizes=1MB --set layers=2
validate_remote bulk/img2:v1
run_rb 0 run "$RB_SRC/scenarios/concurrent.lua" --target "$R_URL" --out "$WORK/concurrent" --quiet \
  --set compression=zstd --set levels=2 --set size=1MB
expect_eq "concurrent status" "$(json "$WORK/concurrent/results.json" "r['status']")" ok
# a zstd level out of range stops a scenario with a clear message
run_rb 1 run "$RB_SRC/scenarios/bulk.lua" --target "$R_URL" --out "$WORK/bulk-bad" --quiet \
  --set compression=zstd --set level=25 --set images=1 --set sizes=1MB
expect_grep "$WORK/err.txt" "compression level: 25 is not accepted for zstd; use 1-19"

rm -rf "$WORK"
echo "test_zstd: ok"
