# suites/quick.yaml, as shipped: every scenario at small scale on crane
# (memory) and distribution 3 (disk) runs ok, passes its thresholds, writes
# every output, and takes under 3 minutes; the pull-through cache (with a
# stampede) on distribution 2.8 and 3 in front of crane, and referrers also
# on crane-referrers. Each scenario's own figures must land in results.json,
# summary.md and report.html: metadata's catalog/tags/head phases and checks,
# range's verified bytes, gc's collector time (dist3) or skip (crane),
# referrers' detection (fallback tag or API), the cache stampede's upstream
# fetches, the zstd variant's phases.
source "$(dirname "$0")/lib.sh"

start=$(date +%s)
run_rb 0 suite "$RB_SRC/suites/quick.yaml" --out "$WORK/quick" --quiet
elapsed=$(($(date +%s) - start))
r="$WORK/quick/results.json"
expect_eq "suite" "$(json "$r" "r['suite']['name']")" quick
expect_eq "status" "$(json "$r" "r['status']")" ok
expect_eq "every run ok" "$(json "$r" "sorted(set(x['status'] for x in r['runs']))")" "['ok']"
expect_eq "every scenario ran" "$(json "$r" "sorted(set(x['scenario'] for x in r['runs']))")" \
  "['bulk', 'cache', 'concurrent', 'dedup', 'gc', 'metadata', 'mixed', 'range', 'referrers', 'single', 'zstd']"
expect_eq "registries" "$(json "$r" "sorted(set(x['registry'] for x in r['runs']))")" \
  "['crane-memory', 'crane-referrers', 'dist-cache', 'dist3-cache', 'dist3-disk']"
expect_eq "thresholds" "$(json "$r" "all(t['passed'] for t in r['thresholds'])")" True
for f in results.json summary.md summary.csv timeseries.csv bench.txt report.html; do
  [ -s "$WORK/quick/$f" ] || fail "$f missing or empty"
done
for d in $(json "$r" "' '.join(x['dir'] for x in r['runs'])"); do
  for f in results.json registry.log; do [ -s "$WORK/quick/$d/$f" ] || fail "run directory $d has no $f"; done
  registry_gone "$WORK/quick/$d/results.json"
done

# Every (scenario, registry) pair ran ok, and each scenario's figures are in
# the three outputs. One Python pass; it prints every failure, then exits 1.
python3 - "$WORK/quick" <<'PY' || fail "figures missing from the quick suite's outputs (see above)"
import html, json, re, sys
out = sys.argv[1]
r = json.load(open(out + "/results.json"))
md = open(out + "/summary.md", encoding="utf-8").read()
page = html.unescape(open(out + "/report.html", encoding="utf-8").read())
bad = []
def want(ok, what):
    if not ok:
        bad.append(what)
        print("FAIL:", what)

MAIN = ["crane-memory", "dist3-disk"]
PAIRS = {s: MAIN for s in ["single", "zstd", "bulk", "concurrent", "mixed", "dedup", "metadata", "range", "gc"]}
PAIRS["cache"] = ["dist-cache", "dist3-cache"]
PAIRS["referrers"] = MAIN + ["crane-referrers"]
runs = {}
for x in r["runs"]:
    runs[(x["scenario"], x["registry"])] = x
want(len(r["runs"]) == sum(len(v) for v in PAIRS.values()), "%d runs, want %d" % (len(r["runs"]), sum(len(v) for v in PAIRS.values())))
for s, regs in PAIRS.items():
    for g in regs:
        x = runs.get((s, g))
        want(x is not None and x["status"] == "ok", "run %s on %s missing or not ok" % (s, g))

def phase(s, g, name):
    x = runs.get((s, g)) or {}
    return next((p for p in x.get("phases", []) if p["name"] == name), None)
def metric(s, g, key):
    return ((runs.get((s, g)) or {}).get("metrics") or {}).get(key)
def gauge(s, g, key):
    m = metric(s, g, key)
    return m["value"] if m else None
def check_passes(s, g, check):
    m = metric(s, g, "checks{check=%s}" % check)
    return (m["passes"], m["fails"]) if m else None

# ---- results.json
for g in MAIN:
    for scale in (10, 50):
        for op in ("catalog", "tags", "head"):
            p = phase("metadata", g, "%s/repos=%d" % (op, scale))
            want(p is not None and p["ops"] > 0 and p["errors"] == 0, "metadata %s/repos=%d on %s: no ops" % (op, scale, g))
    for c in ("catalog walk lists every repository", "catalog lists every repository", "tags lists every tag",
              "head finds the manifest"):
        pf = check_passes("metadata", g, c)
        want(pf is not None and pf[0] > 0 and pf[1] == 0, "metadata check '%s' on %s: %s" % (c, g, pf))
    for size in ("4KB", "1MB"):
        p = phase("range", g, "range/size=" + size)
        want(p is not None and p["ops"] == 50 and p["errors"] == 0, "range/size=%s on %s: not 50 ops" % (size, g))
    want(check_passes("range", g, "range bytes verified") == (100, 0), "range bytes verified on %s: %s" %
         (g, check_passes("range", g, "range bytes verified")))
    for c in ("deleted answers 404", "live image pulls"):
        pf = check_passes("gc", g, c)
        want(pf is not None and pf[0] > 0 and pf[1] == 0, "gc check '%s' on %s: %s" % (c, g, pf))
    for op in ("push", "pull"):
        p = phase("zstd", g, "%s/size=5MB/zstd-level=3" % op)
        want(p is not None and p["bytes"] > 4e6 and p["errors"] == 0, "zstd %s on %s: no bytes" % (op, g))
    want(metric("zstd", g, "push_MBps{compression=zstd,level=3,size=5MB}") is not None, "zstd push_MBps on %s" % g)
want(gauge("gc", "crane-memory", "gc_skipped") == 1, "gc_skipped on crane-memory is not 1")
want(gauge("gc", "crane-memory", "gc_seconds") is None, "gc_seconds on crane-memory (no collector there)")
want(gauge("gc", "dist3-disk", "gc_skipped") == 0, "gc_skipped on dist3-disk is not 0")
want((gauge("gc", "dist3-disk", "gc_seconds") or 0) > 0, "gc_seconds on dist3-disk missing")
want((gauge("gc", "dist3-disk", "gc_blobs_deleted") or 0) > 0, "gc_blobs_deleted on dist3-disk missing")
want(check_passes("gc", "dist3-disk", "storage shrank") == (1, 0), "gc storage shrank on dist3-disk")
for g, api, via in (("crane-memory", 0, "tag"), ("dist3-disk", 0, "tag"), ("crane-referrers", 1, "api")):
    want(gauge("referrers", g, "referrers_api") == api, "referrers_api on %s is not %d" % (g, api))
    for flt in ("no", "yes"):
        m = metric("referrers", g, "list_ms{filter=%s,via=%s}" % (flt, via))
        want(m is not None and m["count"] == 40, "referrers list_ms{filter=%s,via=%s} on %s" % (flt, via, g))
    for c in ("listing returns every referrer", "filtered listing returns the signatures"):
        pf = check_passes("referrers", g, c)
        want(pf == (40, 0), "referrers check '%s' on %s: %s" % (c, g, pf))
for g in PAIRS["cache"]:
    want((gauge("cache", g, "stampede_upstream_fetches_max") or 0) >= 1, "stampede_upstream_fetches_max on %s" % g)
    want(gauge("cache", g, "stampede_upstream_manifest_gets") is not None, "stampede_upstream_manifest_gets on %s" % g)
    m = metric("cache", g, "stampede_pull_ms")
    want(m is not None and m["count"] == 4, "stampede_pull_ms on %s: not 4 pulls" % g)
    p = phase("cache", g, "stampede")
    want(p is not None and p["ops"] > 0, "cache stampede phase on %s" % g)

# ---- summary.md: a section per scenario with its rows, checks and metrics
def md_section(s):
    m = re.search(r"^## Scenario %s\n(.*?)(?=^## |\Z)" % re.escape(s), md, re.S | re.M)
    return m.group(1) if m else ""
def md_row(sec, *cells):
    return any(all(c in [x.strip() for x in line.split("|")] for c in cells) for line in sec.splitlines())
for s, regs in PAIRS.items():
    sec = md_section(s)
    want(sec != "", "summary.md has no section for scenario %s" % s)
    for g in regs:
        want(md_row(sec, g), "summary.md: scenario %s has no row for %s" % (s, g))
for g in MAIN:
    sec = md_section("metadata")
    for op in ("catalog", "tags", "head"):
        want(md_row(sec, g, op + "/repos=50"), "summary.md metadata: %s/repos=50 on %s" % (op, g))
    want(md_row(sec, g, "head finds the manifest", "0", "100.0%"), "summary.md metadata: check on %s" % g)
    want(md_row(md_section("range"), g, "range bytes verified", "100", "0", "100.0%"), "summary.md range check on %s" % g)
    want(md_row(md_section("zstd"), g, "push/size=5MB/zstd-level=3"), "summary.md zstd push on %s" % g)
want(md_row(md_section("gc"), "dist3-disk", "gc_seconds"), "summary.md gc_seconds on dist3-disk")
want(md_row(md_section("gc"), "crane-memory", "gc_skipped", "1"), "summary.md gc_skipped on crane-memory")
want(not md_row(md_section("gc"), "crane-memory", "gc_seconds"), "summary.md gc_seconds on crane-memory")
for g, api in (("crane-memory", "0"), ("dist3-disk", "0"), ("crane-referrers", "1")):
    want(md_row(md_section("referrers"), g, "referrers_api", api), "summary.md referrers_api %s on %s" % (api, g))
for g in PAIRS["cache"]:
    want(md_row(md_section("cache"), g, "stampede_upstream_fetches_max"), "summary.md stampede fetches on %s" % g)
want("| zstd |" in md.split("## Registries side by side", 1)[-1].split("## Scenario", 1)[0],
     "summary.md side by side has no zstd row")

# ---- report.html: a summary table, a latency chart, checks and metrics per scenario
def section(i):
    m = re.search(r'<section id="%s">(.*?)</section>' % i, page, re.S)
    return m.group(1) if m else ""
def caps(sec):
    return re.findall(r"<figcaption>(.*?)</figcaption>", sec, re.S)
def h_row(sec, *cells):
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", sec, re.S):
        tds = [re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr, re.S)]
        if all(c in tds for c in cells):
            return True
    return False
summ, lat, checks, custom = section("summary"), section("latency"), section("checks"), section("custom")
for s, regs in PAIRS.items():
    part = re.split(r"<h3[^>]*>Scenario %s</h3>" % re.escape(s), summ, maxsplit=1)
    want(len(part) == 2, "report.html: no summary table for scenario %s" % s)
    body = re.split(r"<h3[^>]*>Scenario ", part[-1], maxsplit=1)[0]
    for g in regs:
        want(h_row(body, g), "report.html: summary of %s has no row for %s" % (s, g))
    want(any(c == s or c.startswith(s + " ·") for c in caps(lat)), "report.html: no latency chart for %s" % s)
# the spectrum at the top: one chart per scenario, its largest size class; every class under Summary
top = [re.sub(r"<[^>]+>", "", c) for c in caps(lat)]
want(len(top) == len(PAIRS), "report.html: %d latency charts at the top, want one per scenario: %s" % (len(top), top))
for s, cls, n in (("single", "size=5MB/level=6", 2), ("concurrent", "vus=8", 3), ("metadata", "repos=50", 2),
                  ("range", "size=1MB", 3), ("referrers", "count=10", 2)):
    want("%s · %s (largest of %d size classes)" % (s, cls, n) in top, "report.html: headline spectrum of %s" % s)
for cls in ("repos=10", "repos=50"):
    want("metadata · " + cls in caps(summ), "report.html: metadata · %s spectrum under Summary" % cls)
want(any(c.startswith("metadata: operations per second") for c in caps(section("scaling"))), "report.html: metadata scaling chart")
want(any(c.startswith("dedup:") for c in caps(section("dedup"))), "report.html: dedup chart")
for g in MAIN:
    want(h_row(checks, g, "head finds the manifest", "0", "100.0%"), "report.html: metadata check on %s" % g)
    want(h_row(checks, g, "range bytes verified", "100", "0", "100.0%"), "report.html: range check on %s" % g)
    want(h_row(section("side"), "push/size=5MB/zstd-level=3") or h_row(section("side"), "zstd", "push/size=5MB/zstd-level=3"),
         "report.html: side by side has no zstd row")
want(h_row(custom, "dist3-disk", "gc_seconds"), "report.html: gc_seconds on dist3-disk")
want(h_row(custom, "crane-memory", "gc_skipped", "1.00"), "report.html: gc_skipped on crane-memory")
want(h_row(custom, "crane-referrers", "referrers_api", "1.00"), "report.html: referrers_api on crane-referrers")
want(h_row(custom, "dist3-disk", "referrers_api", "0"), "report.html: referrers_api on dist3-disk")
for g in PAIRS["cache"]:
    want(h_row(custom, g, "stampede_upstream_fetches_max"), "report.html: stampede fetches on %s" % g)
print("quick suite figures: %d problems" % len(bad))
sys.exit(1 if bad else 0)
PY
[ "$elapsed" -lt 180 ] || fail "quick suite took ${elapsed}s, more than 3 minutes"
echo "test_quick_suite: ok (${elapsed}s)"
