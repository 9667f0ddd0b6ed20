#!/bin/bash
# test_report_browser: report.html of real results, opened in headless
# Chromium. Runs tests/suites/report.yaml twice (the first is the baseline),
# writes `regbench report --baseline`, then in Chromium: dumps the DOM and
# checks that every chart is drawn (data marks per data-chart), fails on any
# console error, and keeps a screenshot as $RB_BUILD/artifacts/report.png.
# tests/tools/report_check.py then measures the page at 1,400 px (computed
# styles and bounding boxes, through a script added to a copy of the page):
# the series of each chart differ in colour or dash and the legend names
# them, no two texts of a chart overlap and none is smaller than 10 px, the
# throughput axes reach at most 1.25x the largest rate of the phases longer
# than a time step (recomputed from results.json). The same on the report
# of suites/quick.yaml, where the comparison and every summary chart must
# end within the first 3,000 px (screenshot report-quick.png). Then
# interrupts a run after its first phase and checks that its report renders
# too (the cut-short phase marked incomplete; screenshot report-cut.png).
# A replay's report (tests/unit/data's access log replayed against crane)
# gets the same checks, its replay chart included.
# Chromium is required: the test fails, not skips, without it.
source "$(dirname "$0")/lib.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || fail "chromium is not installed (apt-get install chromium); this test needs a real browser"
mkdir -p "$RB_BUILD/artifacts"

# chrome ARGS...: headless Chromium with a fresh profile and no network chatter.
chrome() {
  local profile; profile=$(mktemp -d "$WORK/profile.XXXXXX")
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --disable-quic --disable-default-apps --no-default-browser-check \
    --user-data-dir="$profile" "$@"
}

# check_dom HTML WANT_CHARTS...: dumps the DOM, fails on console errors, checks marks per chart.
check_dom() {
  local html=$1; shift
  local name; name=$(basename "$html" .html)
  chrome --enable-logging=stderr --v=0 --virtual-time-budget=5000 --dump-dom "file://$html" \
    >"$WORK/$name.dom" 2>"$WORK/$name.chrome.log" || { cat "$WORK/$name.chrome.log"; fail "chromium --dump-dom $html failed"; }
  # the report has no scripts, so any console message is an error (Chromium logs
  # console.error and uncaught exceptions as INFO:CONSOLE lines, without the level)
  if grep -Eq 'CONSOLE' "$WORK/$name.chrome.log"; then
    grep -E 'CONSOLE' "$WORK/$name.chrome.log"; fail "console messages in $html"
  fi
  grep -Eiq 'Uncaught|Failed to load resource|net::ERR_' "$WORK/$name.chrome.log" && {
    grep -Ei 'Uncaught|Failed to load resource|net::ERR_' "$WORK/$name.chrome.log"; fail "page errors in $html"; }
  python3 - "$WORK/$name.dom" "$@" <<'PY' || fail "charts of $html are not all drawn (see above)"
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack = []          # open svg.chart names (None for other svgs)
        self.marks, self.svgs, self.nodata = {}, {}, set()
        self.body = False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body": self.body = True
        cls = (a.get("class") or "").split()
        if tag == "svg":
            name = a.get("data-chart") if "chart" in cls else None
            self.stack.append(name)
            if name: self.svgs[name] = self.svgs.get(name, 0) + 1
        elif "mark" in cls:
            names = [n for n in self.stack if n]
            if names: self.marks[names[-1]] = self.marks.get(names[-1], 0) + 1
        if a.get("data-nodata"): self.nodata.add(a["data-nodata"])
    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "svg": self.stack.pop()
    def handle_endtag(self, tag):
        if tag == "svg" and self.stack: self.stack.pop()
p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
ok = p.body
for want in sys.argv[2:]:
    n, s = p.marks.get(want, 0), p.svgs.get(want, 0)
    print(f"chart {want}: {s} svg, {n} marks")
    if n == 0 or s == 0: ok = False
print("no data:", ", ".join(sorted(p.nodata)) or "-")
sys.exit(0 if ok else 1)
PY
}

# --- a suite run twice: baseline and new
run_rb 0 suite "$RB_SRC/tests/suites/report.yaml" --out "$WORK/base" --quiet
run_rb 0 suite "$RB_SRC/tests/suites/report.yaml" --out "$WORK/s" --quiet
run_rb 0 report "$WORK/s/results.json" --baseline "$WORK/base/results.json" --out "$WORK/report.html"
[ -s "$WORK/report.html" ] || fail "no report.html"
[ ! -e "$WORK/report.html.tmp" ] || fail "report.html.tmp left behind"
grep -Eq 'https?://' "$WORK/report.html" && { grep -Eo '.{40}https?://.{40}' "$WORK/report.html" | head; fail "report.html has a URL"; }
grep -q '<script' "$WORK/report.html" && fail "report.html has a script"
# self-contained: links only to anchors, no src=, url() only to inline definitions, no @import
python3 - "$WORK/report.html" <<'PY' || fail "report.html refers to something outside itself"
import re, sys
t = open(sys.argv[1], encoding="utf-8").read()
bad = [m for m in re.findall(r'(?:href|src)\s*=\s*"([^"]*)"', t) if not m.startswith("#")]
bad += [m for m in re.findall(r'url\(([^)]*)\)', t) if not m.startswith("#")]
bad += re.findall(r'@import', t)
print("external references:", bad) if bad else None
sys.exit(1 if bad else 0)
PY
check_dom "$WORK/report.html" throughput latency resources scaling dedup comparison

# readable: distinct series, no overlapping or tiny text, axes not set by outliers
# (measured at 1,400 px); LAYOUT_PX: where the comparison and summary charts must end
# check_readable HTML RESULTS [LAYOUT_PX]
check_readable() {
  python3 "$RB_SRC/tests/tools/report_check.py" --chromium "$CHROMIUM" --html "$1" --results "$2" --width 1400 \
    --work "$WORK/measure" ${3:+--layout "$3"} || fail "report $1 is hard to read (see above)"
}
check_readable "$WORK/report.html" "$WORK/s/results.json"

# screenshot HTML NAME: a 1,400 x 3,000 screenshot kept as $RB_BUILD/artifacts/NAME.png; sets $size
screenshot() {
  rm -f "$RB_BUILD/artifacts/$2.png"
  chrome --hide-scrollbars --window-size=1400,3000 --screenshot="$RB_BUILD/artifacts/$2.png" "file://$1" \
    >"$WORK/shot.log" 2>&1 || { cat "$WORK/shot.log"; fail "chromium --screenshot failed"; }
  size=$(stat -c %s "$RB_BUILD/artifacts/$2.png" 2>/dev/null || echo 0)
  [ "$size" -gt 20000 ] || fail "screenshot $RB_BUILD/artifacts/$2.png is $size bytes, want > 20 KB"
}
screenshot "$WORK/report.html" report
main_size=$size

# the quick suite: the comparison and every summary chart within the first 3,000 px
run_rb 0 suite "$RB_SRC/suites/quick.yaml" --out "$WORK/quick" --quiet
check_dom "$WORK/quick/report.html" throughput latency resources scaling dedup
check_readable "$WORK/quick/report.html" "$WORK/quick/results.json" 3000
screenshot "$WORK/quick/report.html" report-quick

# default output: report.html beside the results; a run-level results.json works too
run_rb 0 report "$WORK/s/runs/crane-memory/concurrent/default/rep1/results.json"
[ -s "$WORK/s/runs/crane-memory/concurrent/default/rep1/report.html" ] || fail "no report.html beside a run's results"
check_dom "$WORK/s/runs/crane-memory/concurrent/default/rep1/report.html" throughput latency resources scaling

# a replay's report (the fixture access log against crane): its recorded-against-measured
# chart is drawn and readable, like the others
start_crane rcrane
run_rb 0 replay "$RB_SRC/tests/unit/data/distribution-2.8-access.log" --target "$rcrane_URL" --set speed=0 \
  --out "$WORK/replay" --quiet
check_dom "$WORK/replay/report.html" throughput replay
check_readable "$WORK/replay/report.html" "$WORK/replay/results.json"

# bad input: exit 2 with a message
run_rb 2 report "$WORK/nope.json"
expect_grep "$WORK/err.txt" 'nope.json'
echo '{"schema": "something/else"}' >"$WORK/other.json"
run_rb 2 report "$WORK/other.json"
expect_grep "$WORK/err.txt" 'schema'

# --- a run cut short after its first phase
"$REGBENCH" run "$SCN/long.lua" --out "$WORK/cut" --quiet >"$WORK/cut.out" 2>"$WORK/cut.err" &
pid=$!
for _ in $(seq 1 300); do
  [ -s "$WORK/cut/results.json" ] && [ "$(json "$WORK/cut/results.json" "len(r['phases'])" 2>/dev/null || echo 0)" -ge 1 ] && break
  sleep 0.1
done
sleep 1 # into phase "long"
kill -INT "$pid"
rc=0; wait "$pid" || rc=$?
expect_eq "interrupted run exit code" "$rc" 130
expect_eq "status" "$(json "$WORK/cut/results.json" "r['status']")" interrupted
run_rb 0 report "$WORK/cut/results.json"
expect_grep "$WORK/cut/report.html" 'incomplete'
expect_grep "$WORK/cut/report.html" 'interrupted'
check_dom "$WORK/cut/report.html" throughput latency resources
check_readable "$WORK/cut/report.html" "$WORK/cut/results.json"
screenshot "$WORK/cut/report.html" report-cut
echo "ok: report in Chromium; screenshots in $RB_BUILD/artifacts: report.png ($main_size bytes), report-quick.png, report-cut.png"
rm -rf "$WORK"
