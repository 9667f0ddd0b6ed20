# Users' real images (rb.image.open) pushed by regbench to crane and
# distribution on loopback, checked by other tools:
# - inputs made here by real tools: an OCI layout (`regbench gen`), converted
#   by skopeo to a docker-archive and an oci-archive, an umoci-made layout
#   (two layers by umoci insert), and a multi-platform index built by hand
#   from two generated images;
# - each is pushed (tests/scenarios/real_image.lua also pulls it back,
#   verified, and checks the digests), then `crane validate --remote` must
#   pass and `crane digest` must give the image's digest (the index
#   round-trips unchanged). The docker-archive's layers are pushed as plain
#   tars (rootfs.diff.tar): crane validate (v0.22) gunzips every layer, so
#   for it the manifest is validated with --fast and the layers are checked
#   by `crane export` (reads them all) and `skopeo copy` (verifies digests);
# - single.lua and bulk.lua take image=PATH (bulk shows cross-repository
#   dedup: later repositories skip the blobs on crane);
# - bad files exit non-zero with a message naming the file: a layout with a
#   blob deleted, a truncated oci-archive, a non-archive, an unknown ref, and
#   verify=true on a corrupted blob; given as image=PATH to the bundled
#   scenarios (single, bulk, concurrent) they are bad input, exit 2, while a
#   registry that refuses the push is a failed run, exit 1.
source "$(dirname "$0")/lib.sh"

start_crane c1
start_crane c2
start_distribution d1
host() { echo "${1#http://}"; }

# ---- inputs
"$REGBENCH" gen --out "$WORK/lay" --layers 2 --layer-size 1MB --seed 11 -q >/dev/null 2>&1 || fail "regbench gen"
lay_digest=$(json "$WORK/lay/index.json" "r['manifests'][0]['digest']")
skopeo copy -q oci:"$WORK/lay":image-0 docker-archive:"$WORK/docker.tar":example/app:1 >"$WORK/skopeo.txt" 2>&1 \
  || { cat "$WORK/skopeo.txt"; fail "skopeo copy to docker-archive"; }
skopeo copy -q oci:"$WORK/lay":image-0 oci-archive:"$WORK/oci.tar":latest >"$WORK/skopeo.txt" 2>&1 \
  || { cat "$WORK/skopeo.txt"; fail "skopeo copy to oci-archive"; }
umoci init --layout "$WORK/um" && umoci new --image "$WORK/um:t" || fail "umoci new"
echo one >"$WORK/one.txt"; echo two >"$WORK/two.txt"
umoci insert --rootless --image "$WORK/um:t" "$WORK/one.txt" /one.txt >/dev/null 2>&1 || fail "umoci insert"
umoci insert --rootless --image "$WORK/um:t" "$WORK/two.txt" /two.txt >/dev/null 2>&1 || fail "umoci insert"
# A multi-platform index by hand: two generated images, one layout, an index blob.
"$REGBENCH" gen --out "$WORK/amd" --layers 2 --layer-size 300KB --seed 21 --platform linux/amd64 -q >/dev/null 2>&1
"$REGBENCH" gen --out "$WORK/arm" --layers 2 --layer-size 300KB --seed 22 --platform linux/arm64 -q >/dev/null 2>&1
python3 - "$WORK" <<'EOF'
import hashlib, json, os, shutil, sys
w = sys.argv[1]
multi = os.path.join(w, "multi")
os.makedirs(os.path.join(multi, "blobs", "sha256"))
manifests = []
for d, arch in (("amd", "amd64"), ("arm", "arm64")):
    src = os.path.join(w, d)
    for b in os.listdir(os.path.join(src, "blobs", "sha256")):
        shutil.copyfile(os.path.join(src, "blobs", "sha256", b), os.path.join(multi, "blobs", "sha256", b))
    m = json.load(open(os.path.join(src, "index.json")))["manifests"][0]
    manifests.append({"mediaType": m["mediaType"], "digest": m["digest"], "size": m["size"],
                      "platform": {"architecture": arch, "os": "linux"}})
ix = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                 "manifests": manifests}, indent=2).encode()
d = hashlib.sha256(ix).hexdigest()
open(os.path.join(multi, "blobs", "sha256", d), "wb").write(ix)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json",
           "digest": "sha256:" + d, "size": len(ix),
           "annotations": {"org.opencontainers.image.ref.name": "multi"}}]},
          open(os.path.join(multi, "index.json"), "w"))
open(os.path.join(multi, "oci-layout"), "w").write('{"imageLayoutVersion": "1.0.0"}')
print("sha256:" + d, file=open(os.path.join(w, "multi.digest"), "w"))
EOF
multi_digest=$(cat "$WORK/multi.digest")

# push NAME PATH URL [--set ...]: pushes with real_image.lua; sets DIGEST and KIND.
push() {
  local name=$1 path=$2 url=$3; shift 3
  run_rb 0 run "$SCN/real_image.lua" --target "$url" --out "$WORK/res-$name" --quiet \
    --set path="$path" --set repo="real/$name" --set out="$WORK/$name.out" "$@"
  read -r DIGEST KIND HASHED <"$WORK/$name.out"
}
# validate REF [--fast]: crane validate --remote must pass.
validate() {
  crane validate "${@:2}" --remote "$1" >"$WORK/validate.txt" 2>&1 || { cat "$WORK/validate.txt"; fail "crane validate $1"; }
}

for reg in c1 d1; do
  url_var="${reg}_URL"; url=${!url_var}; h=$(host "$url")

  push "lay-$reg" "$WORK/lay" "$url"
  expect_eq "$reg layout digest" "$DIGEST" "$lay_digest"
  expect_eq "$reg layout kind" "$KIND" oci-layout
  validate "$h/real/lay-$reg:v1"
  expect_eq "$reg layout crane digest" "$(crane digest "$h/real/lay-$reg:v1")" "$lay_digest"

  push "ociarch-$reg" "$WORK/oci.tar" "$url" --set mode=chunked
  expect_eq "$reg oci-archive kind" "$KIND" oci-archive
  expect_eq "$reg oci-archive digest" "$DIGEST" "$lay_digest"
  validate "$h/real/ociarch-$reg:v1"

  push "docker-$reg" "$WORK/docker.tar" "$url" --set ref=example/app:1
  expect_eq "$reg docker kind" "$KIND" docker-archive
  expect_eq "$reg docker layers hashed" "$HASHED" 0
  expect_eq "$reg docker crane digest" "$(crane digest "$h/real/docker-$reg:v1")" "$DIGEST"
  crane manifest "$h/real/docker-$reg:v1" >"$WORK/docker-manifest.json"
  expect_eq "$reg docker media type" "$(json "$WORK/docker-manifest.json" "r['mediaType']")" \
    application/vnd.docker.distribution.manifest.v2+json
  expect_eq "$reg docker layer types" "$(json "$WORK/docker-manifest.json" "sorted({l['mediaType'] for l in r['layers']})")" \
    "['application/vnd.docker.image.rootfs.diff.tar']"
  # the layers are the archive's tars, byte for byte
  expect_eq "$reg docker layer sizes" "$(json "$WORK/docker-manifest.json" "[l['size'] for l in r['layers']]")" \
    "$(python3 -c 'import json, sys, tarfile; t = tarfile.open(sys.argv[1]); m = json.load(t.extractfile("manifest.json"))
print([t.getmember(l).size for l in m[0]["Layers"]])' "$WORK/docker.tar")"
  validate "$h/real/docker-$reg:v1" --fast
  crane export "$h/real/docker-$reg:v1" - | tar t >"$WORK/export.txt" || fail "$reg: crane export of the docker image"
  [ -s "$WORK/export.txt" ] || fail "$reg: crane export gave no files"
  rm -rf "$WORK/back"
  skopeo copy -q --src-tls-verify=false "docker://$h/real/docker-$reg:v1" "oci:$WORK/back:t" >"$WORK/skopeo.txt" 2>&1 \
    || { cat "$WORK/skopeo.txt"; fail "$reg: skopeo copy of the pushed docker image"; }

  push "umoci-$reg" "$WORK/um" "$url"
  expect_eq "$reg umoci digest" "$DIGEST" "$(json "$WORK/um/index.json" "r['manifests'][0]['digest']")"
  validate "$h/real/umoci-$reg:v1"

  push "multi-$reg" "$WORK/multi" "$url" --set ref=multi
  expect_eq "$reg index digest" "$DIGEST" "$multi_digest"
  validate "$h/real/multi-$reg:v1"
  expect_eq "$reg index crane digest" "$(crane digest "$h/real/multi-$reg:v1")" "$multi_digest"
  crane manifest "$h/real/multi-$reg:v1" >"$WORK/multi-manifest.json"
  expect_eq "$reg index platforms" "$(json "$WORK/multi-manifest.json" "[m['platform']['architecture'] for m in r['manifests']]")" \
    "['amd64', 'arm64']"
  echo "$reg: layout, oci-archive, docker-archive, umoci and index pushed and validated"
done

# ---- the bundled scenarios take image=PATH
run_rb 0 run "$RB_SRC/scenarios/single.lua" --target "$c2_URL" --out "$WORK/single" --quiet \
  --set image="$WORK/oci.tar" --set repeat=2
r="$WORK/single/results.json"
expect_eq "single phases" "$(json "$r" "[p['name'] for p in r['phases']]")" \
  "['push/image', 'pull/image', 'push/image', 'pull/image']"
expect_eq "single uploads" "$(json "$r" "r['phases'][2]['counters']['blobs_uploaded']")" 3
run_rb 0 run "$RB_SRC/scenarios/bulk.lua" --target "$c2_URL" --out "$WORK/bulk" --quiet \
  --set image="$WORK/um" --set images=4
r="$WORK/bulk/results.json"
expect_eq "bulk pushes" "$(json "$r" "r['phases'][0]['ops']")" 4
# config + 2 layers: the first repository uploads them, the other 3 skip them
expect_eq "bulk dedup: uploaded" "$(json "$r" "r['phases'][0]['counters']['blobs_uploaded']")" 3
expect_eq "bulk dedup: skipped" "$(json "$r" "r['phases'][0]['counters']['blobs_skipped']")" 9
run_rb 0 run "$RB_SRC/scenarios/concurrent.lua" --target "$c2_URL" --out "$WORK/conc" --quiet \
  --set image="$WORK/docker.tar" --set levels=1,2
r="$WORK/conc/results.json"
expect_eq "concurrent uploads at 2" "$(json "$r" "r['phases'][2]['counters']['blobs_uploaded']")" 6
echo "scenarios: single, bulk, concurrent with image= ok"

# ---- bad files: non-zero exit, the file named
cp -r "$WORK/lay" "$WORK/holey"
chmod -R u+w "$WORK/holey"
layer=$(json "$WORK/lay/blobs/sha256/${lay_digest#sha256:}" "r['layers'][1]['digest'][7:]")
rm "$WORK/holey/blobs/sha256/$layer"
run_rb 1 run "$SCN/real_image.lua" --target "$c2_URL" --out "$WORK/bad1" --quiet --set path="$WORK/holey"
expect_grep "$WORK/err.txt" "$WORK/holey/blobs/sha256/$layer: missing"

head -c $(( $(stat -c %s "$WORK/oci.tar") / 2 )) "$WORK/oci.tar" >"$WORK/cut.tar"
run_rb 1 run "$SCN/real_image.lua" --target "$c2_URL" --out "$WORK/bad2" --quiet --set path="$WORK/cut.tar"
expect_grep "$WORK/err.txt" "$WORK/cut.tar: truncated tar"

echo "not an image" >"$WORK/notes.txt"
run_rb 1 run "$SCN/real_image.lua" --target "$c2_URL" --out "$WORK/bad3" --quiet --set path="$WORK/notes.txt"
expect_grep "$WORK/err.txt" "$WORK/notes.txt: not an OCI layout directory, OCI archive or docker save tarball"

run_rb 1 run "$SCN/real_image.lua" --target "$c2_URL" --out "$WORK/bad4" --quiet --set path="$WORK/docker.tar" \
  --set ref=other:2
expect_grep "$WORK/err.txt" "$WORK/docker.tar: no image tagged other:2; the tags are: .*example/app:1"

# the bundled scenarios: a bad image= file is bad input (exit 2), the file named
run_rb 2 run "$RB_SRC/scenarios/single.lua" --target "$c2_URL" --out "$WORK/bad5" --quiet --set image="$WORK/nope"
expect_grep "$WORK/err.txt" "$WORK/nope: No such file"
run_rb 2 run "$RB_SRC/scenarios/single.lua" --target "$c2_URL" --out "$WORK/bad7" --quiet --set image="$WORK/cut.tar"
expect_grep "$WORK/err.txt" "$WORK/cut.tar: truncated tar"
run_rb 2 run "$RB_SRC/scenarios/bulk.lua" --target "$c2_URL" --out "$WORK/bad8" --quiet --set image="$WORK/holey" \
  --set images=2
expect_grep "$WORK/err.txt" "$WORK/holey/blobs/sha256/$layer: missing"
run_rb 2 run "$RB_SRC/scenarios/concurrent.lua" --target "$c2_URL" --out "$WORK/bad9" --quiet \
  --set image="$WORK/notes.txt" --set levels=1
expect_grep "$WORK/err.txt" "$WORK/notes.txt: not an OCI layout directory, OCI archive or docker save tarball"
run_rb 2 run "$RB_SRC/scenarios/bulk.lua" --target "$c2_URL" --out "$WORK/bad10" --quiet \
  --set image="$WORK/docker.tar" --set image_ref=other:2 --set images=1
expect_grep "$WORK/err.txt" "$WORK/docker.tar: no image tagged other:2"

# verify=true: a corrupted layer (same size) fails the push naming blob and file;
# pushed to a fresh registry, so the blob is really uploaded.
start_crane c3
cp -r "$WORK/lay" "$WORK/corrupt"
chmod -R u+w "$WORK/corrupt"
python3 -c 'import sys; p=sys.argv[1]; d=bytearray(open(p,"rb").read()); d[len(d)//2]^=0xff; open(p,"wb").write(d)' \
  "$WORK/corrupt/blobs/sha256/$layer"
run_rb 1 run "$SCN/real_image.lua" --target "$c3_URL" --out "$WORK/bad6" --quiet --set path="$WORK/corrupt" \
  --set verify=true
expect_grep "$WORK/err.txt" "integrity: blob sha256:$layer: the bytes in $WORK/corrupt/blobs/sha256/$layer .* hash to sha256:[0-9a-f]{64} \(verify=true\)"
# the same file to the bundled scenarios with image_verify=true: bad input, exit
# 2, from the main VU (single) and from the VUs of rb.parallel (concurrent);
# not retried (one upload per try would resend the whole layer)
run_rb 2 run "$RB_SRC/scenarios/single.lua" --target "$c3_URL" --out "$WORK/bad11" --quiet \
  --set image="$WORK/corrupt" --set image_verify=true
expect_grep "$WORK/err.txt" "integrity: blob sha256:$layer: the bytes in $WORK/corrupt/blobs/sha256/$layer .* \(verify=true\)"
expect_eq "bad file not retried" "$(json "$WORK/bad11/results.json" "r['phases'][0]['counters'].get('retries', 0)")" 0
expect_eq "bad file exit recorded" "$(json "$WORK/bad11/results.json" "r['exit_code']")" 2
run_rb 2 run "$RB_SRC/scenarios/concurrent.lua" --target "$c3_URL" --out "$WORK/bad12" --quiet \
  --set image="$WORK/corrupt" --set image_verify=true --set levels=2
expect_grep "$WORK/err.txt" "the bytes in $WORK/corrupt/blobs/sha256/$layer .* \(verify=true\)"
# without image_verify the corrupt layer goes out as it is and the registry
# refuses it: that is the registry's answer, a failed run (exit 1)
run_rb 1 run "$RB_SRC/scenarios/single.lua" --target "$c3_URL" --out "$WORK/bad13" --quiet --set image="$WORK/corrupt"
expect_grep "$WORK/err.txt" "DIGEST_INVALID|digest"
echo "bad files: rejected with the file named"
echo "test_real_images: ok"
