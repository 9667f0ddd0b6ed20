# Runs every docs/examples/*.lua with the regbench binary against a crane
# registry it launches; each example checks itself with asserts, so a
# non-zero exit means docs/lua-api.md no longer matches the code. Also checks
# that a launched registry is gone afterwards.
source "$(dirname "$0")/lib.sh"

shopt -s nullglob
examples=("$RB_SRC"/docs/examples/*.lua)
[ ${#examples[@]} -gt 0 ] || fail "no examples in $RB_SRC/docs/examples"
for ex in "${examples[@]}"; do
  name=$(basename "$ex" .lua)
  out="$WORK/$name"
  run_rb 0 run "$ex" --out "$out" --quiet
  r="$out/results.json"
  [ -f "$r" ] || fail "$name: no results.json"
  expect_eq "$name status" "$(json "$r" "r['status']")" ok
  if [ "$(json "$r" "r['registry'].get('pid') is not None")" = True ]; then
    registry_gone "$r"
  fi
  echo "docs example $name: ok"
done
echo "test_docs_examples: ok"
