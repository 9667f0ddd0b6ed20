# Bad input (issue 7): runs every case of the bad-input corpus and checks
# that regbench refuses it cleanly.
#  - tests/bad/lua/*.lua: scenarios run with `run FILE --out DIR --quiet`.
#    Line 1 is `-- expect-exit: N`, line 2 `-- expect: REGEX` (extended regex
#    the stderr must match); optional header lines `-- known-bug: WHAT` (the
#    case is expected to fail: reported as XFAIL, not a failure) and
#    `-- args: ...` (extra arguments, split on spaces).
#  - tests/bad/cli.txt: one case per line, `<exit> <regex> :: <arguments>`;
#    arguments are split on spaces, and $SCN, $BAD and $WORK in them are
#    replaced by tests/scenarios, tests/bad and this test's work directory.
#    A `# known-bug: WHAT` line marks the case after it.
# Every case must exit with its code, print a matching message, not crash
# (exit >= 128 other than 130, or a sanitizer/signal report on stderr) and
# end within 60 s. Exit codes: 2 bad input, 1 script errors.
source "$(dirname "$0")/lib.sh"

# Cases run in $WORK, so a run without --out leaves its results/ there.
case "$REGBENCH" in */*) REGBENCH=$(realpath "$REGBENCH") ;; esac
WORK=$(realpath "$WORK") SCN=$(realpath "$SCN")
BAD=$(realpath "$RB_SRC/tests/bad")
cd "$WORK"
CASE_TIMEOUT=60
CRASH_RE='AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|ThreadSanitizer|runtime error:|Segmentation|Aborted|core dumped'
n_pass=0 n_xfail=0 n_xpass=0
failures=()

# check NAME WANT_RC REGEX KNOWN_BUG ARGS...: runs one case; prints PASS, XFAIL, XPASS or FAIL.
check() {
  local name=$1 want=$2 re=$3 known=$4; shift 4
  local tag=${name//[\/:]/_}
  local out="$WORK/case-$tag.out" err="$WORK/case-$tag.err" rc=0 why=""
  local t0; t0=$(date +%s)
  # (in a subshell whose stderr is dropped: no "Killed" notice when timeout ends a stuck case)
  ( timeout -k 5 "$CASE_TIMEOUT" "$REGBENCH" "$@" </dev/null >"$out" 2>"$err"; exit $? ) 2>/dev/null || rc=$?
  local secs=$(( $(date +%s) - t0 ))
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    why="did not end within ${CASE_TIMEOUT}s"
  elif [ "$rc" -ge 128 ] && [ "$rc" != 130 ]; then
    why="crashed (exit $rc)"
  elif grep -Eq -- "$CRASH_RE" "$err"; then
    why="sanitizer or crash report on stderr: $(grep -Em1 -- "$CRASH_RE" "$err")"
  elif [ "$rc" != "$want" ]; then
    why="exit $rc, want $want"
  elif ! grep -Eq -- "$re" "$err"; then
    why="stderr does not match /$re/"
  fi
  if [ -z "$why" ] && [ -z "$known" ]; then
    n_pass=$((n_pass + 1)); echo "PASS  $name (${secs}s)"
  elif [ -z "$why" ]; then
    n_xpass=$((n_xpass + 1)); echo "XPASS $name: passes now; remove its known-bug mark ($known)"
  elif [ -n "$known" ]; then
    n_xfail=$((n_xfail + 1)); echo "XFAIL $name: $why (known bug: $known)"
  else
    failures+=("$name")
    echo "FAIL  $name: $why"
    echo "      regbench $*"
    sed 's/^/      | /' "$err" | head -n 20
  fi
}

# ---- Lua scenarios
for f in "$BAD"/lua/*.lua; do
  name=lua/$(basename "$f" .lua)
  want=$(sed -n '1s/^-- expect-exit: *\([0-9]*\) *$/\1/p' "$f")
  re=$(sed -n '2s/^-- expect: //p' "$f")
  [ -n "$want" ] && [ -n "$re" ] || fail "$f: line 1 must be '-- expect-exit: N' and line 2 '-- expect: REGEX'"
  known=$(head -n 6 "$f" | sed -n 's/^-- known-bug: *//p')
  extra=$(head -n 6 "$f" | sed -n 's/^-- args: *//p')
  read -r -a extra_args <<<"$extra"
  check "$name" "$want" "$re" "$known" run "$f" --out "$WORK/out-$(basename "$f" .lua)" --quiet "${extra_args[@]}"
done

# ---- command lines
lineno=0 known=""
while IFS= read -r line || [ -n "$line" ]; do
  lineno=$((lineno + 1))
  case "$line" in
    "# known-bug:"*) known=${line#"# known-bug:"}; known=${known# }; continue ;;
    ""|"#"*) continue ;;
  esac
  line="$line "   # so that a case without arguments ends in " :: "
  [[ "$line" == *" :: "* ]] || fail "tests/bad/cli.txt:$lineno: expected '<exit> <regex> :: <arguments>'"
  head=${line%%" :: "*} argline=${line#*" :: "}
  want=${head%% *} re=${head#* }
  [[ "$want" =~ ^[0-9]+$ ]] && [ "$re" != "$head" ] || fail "tests/bad/cli.txt:$lineno: expected '<exit> <regex> :: <arguments>'"
  argline=${argline//'$SCN'/$SCN}
  argline=${argline//'$BAD'/$BAD}
  argline=${argline//'$WORK'/$WORK}
  read -r -a args <<<"$argline"
  check "cli.txt:$lineno" "$want" "$re" "$known" "${args[@]}"
  known=""
done <"$BAD/cli.txt"

echo "test_bad_input: $n_pass passed, $n_xfail known bugs (XFAIL), $n_xpass XPASS, ${#failures[@]} failed"
[ ${#failures[@]} -eq 0 ] || fail "failing cases: ${failures[*]}"
echo "test_bad_input: ok"
