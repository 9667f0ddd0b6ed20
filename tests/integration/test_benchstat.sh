#!/usr/bin/env bash
# test_benchstat: bench.txt is accepted by benchstat. test_report writes two
# bench files from synthetic suites (6 repetitions each, push 20% slower in
# new); benchstat must read both without complaint, name the benchmarks, show
# MB/s, and find the push slowdown significant.
source "$(dirname "$0")/lib.sh"

command -v benchstat >/dev/null || fail "benchstat not found (go install golang.org/x/perf/cmd/benchstat@latest)"
TR="$RB_BUILD/tests/test_report"
[ -x "$TR" ] || fail "$TR not built"
"$TR" --write-bench "$WORK" || fail "test_report --write-bench failed"

benchstat "$WORK/old.txt" "$WORK/new.txt" >"$WORK/stat.txt" 2>"$WORK/stat.err" || { cat "$WORK/stat.err"; fail "benchstat exited non-zero"; }
if [ -s "$WORK/stat.err" ]; then cat "$WORK/stat.err"; fail "benchstat printed errors"; fi
# a file benchstat cannot parse shows up as a syntax error in its output
if grep -Eiq 'syntax error|parsing|missing' "$WORK/stat.txt"; then cat "$WORK/stat.txt"; fail "benchstat reported parse errors"; fi
cat "$WORK/stat.txt"

expect_grep "$WORK/stat.txt" 'Single/level=6/size=10MB/registry=crane-memory/phase=push'
expect_grep "$WORK/stat.txt" 'registry=dist-fs/phase=pull,_"cold"_x'
# benchstat tidies units: our MB/s becomes B/s (shown in Mi), ns/op sec/op
expect_grep "$WORK/stat.txt" '[^-]B/s'
expect_grep "$WORK/stat.txt" '[0-9.]+Mi ± '
expect_grep "$WORK/stat.txt" 'sec/op'
expect_grep "$WORK/stat.txt" 'ops/s'
# the 20% push slowdown is significant in MB/s (p = 0.002 with 6 + 6) ...
expect_grep "$WORK/stat.txt" 'phase=push-2 .*-20\.[0-9]+% \(p=0\.002 n=6\)'
# ... and the unchanged pull phase is not
expect_grep "$WORK/stat.txt" 'phase=pull,_"cold"_x-2 .* ~ \(p='

# one file alone is summarised too (no comparison)
benchstat "$WORK/old.txt" >"$WORK/one.txt" 2>&1 || fail "benchstat on one file failed"
expect_grep "$WORK/one.txt" 'phase=push'
rm -rf "$WORK"
echo "ok: bench.txt accepted by benchstat"
