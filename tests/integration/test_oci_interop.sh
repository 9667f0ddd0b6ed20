# Interop of the OCI client with real registries and real tools:
# - images regbench pushes (every upload mode, Docker schema 2, an index) to
#   crane (memory, disk) and distribution (memory, filesystem) are copied by
#   skopeo and pass `crane validate --remote`;
# - images pushed by skopeo and crane (multi-layer OCI, Docker schema 2, an
#   index) are pulled and verified by regbench.
source "$(dirname "$0")/lib.sh"

start_crane cm
start_crane cd "$WORK/crane-disk"
start_distribution dm
start_distribution df "$WORK/dist-fs"

for name in cm cd dm df; do
  url_var="${name}_URL"; url=${!url_var}
  run_rb 0 run "$SCN/oci_push.lua" --target "$url" --out "$WORK/push-$name" --quiet --set refs="$WORK/refs-$name"
  r="$WORK/push-$name/results.json"
  expect_eq "$name push ops" "$(json "$r" "r['phases'][0]['by_op']['push']['ops']")" 7
  expect_eq "$name skipped" "$(json "$r" "r['phases'][0]['counters']['blobs_skipped']")" 4
  expect_eq "$name pull errors" "$(json "$r" "r['phases'][1]['errors']")" 0
  while read -r ref; do
    crane validate --remote "$ref" >"$WORK/validate.txt" 2>&1 || { cat "$WORK/validate.txt"; fail "$name: crane validate $ref"; }
    rm -rf "$WORK/copy"
    skopeo copy --quiet --src-tls-verify=false "docker://$ref" "oci:$WORK/copy:t" >"$WORK/skopeo.txt" 2>&1 \
      || { cat "$WORK/skopeo.txt"; fail "$name: skopeo copy $ref"; }
  done <"$WORK/refs-$name"
done

# Images pushed by other tools, pulled and verified by regbench.
"$REGBENCH" gen --out "$WORK/layout" --images 2 --layers 3 --layer-size 2MB --seed 42 >/dev/null 2>&1 \
  || fail "regbench gen"
"$REGBENCH" gen --out "$WORK/layout-docker" --images 1 --layers 2 --layer-size 2MB --seed 43 --format docker >/dev/null 2>&1 \
  || fail "regbench gen docker"
refs=$(python3 -c 'import json,sys; print("\n".join(m["annotations"]["org.opencontainers.image.ref.name"] for m in json.load(open(sys.argv[1]))["manifests"]))' "$WORK/layout/index.json")
dref=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"])' "$WORK/layout-docker/index.json")
for name in cm df; do
  url_var="${name}_URL"; url=${!url_var}; host=${url#http://}
  : >"$WORK/others-$name"
  i=0
  for ref in $refs; do
    i=$((i+1))
    skopeo copy --quiet --dest-tls-verify=false "oci:$WORK/layout:$ref" "docker://$host/others/skopeo$i:v1" \
      || fail "skopeo push"
    echo "others/skopeo$i:v1" >>"$WORK/others-$name"
  done
  crane push "$WORK/layout-docker" "$host/others/crane-docker:v1" >/dev/null 2>&1 || fail "crane push docker"
  echo "others/crane-docker:v1" >>"$WORK/others-$name"
  # a multi-platform index made by crane from two single-platform images
  crane index append -t "$host/others/crane-index:v1" -m "$host/others/skopeo1:v1" -m "$host/others/skopeo2:v1" \
    >/dev/null 2>&1 || fail "crane index append"
  echo "others/crane-index:v1" >>"$WORK/others-$name"
  run_rb 0 run "$SCN/oci_pull.lua" --target "$url" --out "$WORK/pull-$name" --quiet --set refs="$WORK/others-$name"
  expect_grep "$WORK/out.txt" "pulled 4"
done
echo "test_oci_interop: ok"
