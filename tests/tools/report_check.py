#!/usr/bin/env python3
"""report_check: measures report.html in headless Chromium and checks that a
person can read its charts. Used by tests/integration/test_report_browser.sh.

The report has no JavaScript; this tool copies it with one added <script>
that, once the page has loaded at the given window width, measures it
(bounding boxes and computed styles) and writes the measurements into the
DOM as JSON, which `chromium --dump-dom` prints. Then it checks:

  series    in every chart, each line series (path.mark, data-series) has
            one stroke colour and dash, no two series share both, and the
            figure's legend names every series;
  text      no two text boxes of a chart overlap, no chart text is
            rendered smaller than 10 px, and only axis titles stand on
            their side;
  outliers  the throughput charts' axes (read back from the tick labels'
            positions) reach at least the largest rate of the phases longer
            than a time step and at most 1.25x it (all phases when none of
            those has a value), recomputed here from results.json; the
            other charts' highest mark reaches the plot's top fifth
            (latency, replay and baseline charts aside: log and +-%
            axes);
  layout    with --layout PX: every chart, table and note of the sections
            that compare (side by side, scaling, latency, dedup, baseline)
            ends within the first PX pixels, per-run details closed.

Usage: report_check.py --chromium PATH --html REPORT --results RESULTS.json
                       [--width 1400] [--layout PX] [--work DIR]
Prints what it measured; exits 1 when a check fails. Standard library only.
"""
import argparse
import html
import json
import os
import re
import subprocess
import sys
import tempfile

MEASURE = r"""<script>
addEventListener("load", () => {
  const R = {width: innerWidth, height: document.documentElement.scrollHeight, layout: [], charts: []};
  for (const id of ["side", "scaling", "latency", "dedup", "comparison"]) {
    const s = document.getElementById(id);
    if (!s) { R.layout.push({id: id, what: "missing", bottom: 0}); continue; }
    for (const el of s.querySelectorAll("svg.chart, p.nodata, table")) {
      const r = el.getBoundingClientRect();
      R.layout.push({id: id, what: el.tagName + (el.dataset.chart ? ":" + el.dataset.chart : ""), bottom: r.bottom + scrollY});
    }
  }
  document.querySelectorAll("details").forEach(d => { d.open = true; });
  for (const svg of document.querySelectorAll("svg.chart")) {
    const fig = svg.closest("figure"), box = svg.getBoundingClientRect();
    const scale = box.width / svg.viewBox.baseVal.width;
    const c = {name: svg.dataset.chart, caption: fig ? fig.querySelector("figcaption").textContent : "",
               texts: [], marks: [], legend: [], frame: null};
    for (const t of svg.querySelectorAll("text")) {
      const r = t.getBoundingClientRect();
      c.texts.push({s: t.textContent, cls: t.getAttribute("class") || "", x0: r.left, y0: r.top, x1: r.right,
                    y1: r.bottom, px: parseFloat(getComputedStyle(t).fontSize) * scale});
    }
    for (const m of svg.querySelectorAll(".mark")) {
      const cs = getComputedStyle(m), r = m.getBoundingClientRect();
      c.marks.push({tag: m.tagName, series: m.getAttribute("data-series"), stroke: cs.stroke,
                    dash: cs.strokeDasharray, y0: r.top, y1: r.bottom});
    }
    const fr = svg.querySelector(".frame");
    if (fr) { const r = fr.getBoundingClientRect(); c.frame = {y0: r.top, y1: r.bottom}; }
    if (fig) for (const s of fig.querySelectorAll(".legend > span")) c.legend.push(s.textContent);
    R.charts.push(c);
  }
  const pre = document.createElement("pre");
  pre.id = "rb-measure";
  pre.textContent = JSON.stringify(R);
  document.body.appendChild(pre);
});
</script>"""

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic", "--disable-default-apps",
         "--no-default-browser-check", "--hide-scrollbars"]

failures = []


def fail(what):
    failures.append(what)
    print("FAIL:", what)


def measure(chromium, report, width, work):
    text = open(report, encoding="utf-8").read()
    fd, page = tempfile.mkstemp(suffix=".html", dir=work)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text.replace("</body>", MEASURE + "</body>"))
    profile = tempfile.mkdtemp(dir=work)
    out = subprocess.run([chromium] + FLAGS + ["--user-data-dir=" + profile, "--window-size=%d,3000" % width,
                                               "--virtual-time-budget=5000", "--dump-dom", "file://" + page],
                         capture_output=True, text=True, timeout=120).stdout
    m = re.search(r'<pre id="rb-measure">([^<]*)</pre>', out)
    if not m:
        sys.exit("report_check: the measuring script left no results (page did not load?)")
    return json.loads(html.unescape(m.group(1)))


def check_series(c):
    styles = {}
    for m in c["marks"]:
        if m["tag"] != "path":
            continue
        if not m["series"]:
            fail("%s '%s': a line mark without data-series" % (c["name"], c["caption"]))
            continue
        styles.setdefault(m["series"], set()).add((m["stroke"], m["dash"]))
    for s, st in styles.items():
        if len(st) != 1:
            fail("%s '%s': series '%s' drawn in %d styles: %s" % (c["name"], c["caption"], s, len(st), sorted(st)))
        if s not in c["legend"]:
            fail("%s '%s': series '%s' is not in the legend %s" % (c["name"], c["caption"], s, c["legend"]))
    seen = {}
    for s, st in styles.items():
        for style in st:
            if style in seen and seen[style] != s:
                fail("%s '%s': series '%s' and '%s' look alike: %s" % (c["name"], c["caption"], seen[style], s, style))
            seen[style] = s
    return len(styles)


def check_text(c):
    t = [x for x in c["texts"] if x["x1"] - x["x0"] > 0.5 and x["s"].strip()]
    for x in t:
        if x["px"] < 10:
            fail("%s '%s': text '%s' is %.1f px" % (c["name"], c["caption"], x["s"], x["px"]))
        if x["cls"] != "alabel" and len(x["s"]) >= 3 and x["y1"] - x["y0"] > x["x1"] - x["x0"]:
            fail("%s '%s': text '%s' stands on its side" % (c["name"], c["caption"], x["s"]))
    for i in range(len(t)):
        for j in range(i + 1, len(t)):
            a, b = t[i], t[j]
            w = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
            h = min(a["y1"], b["y1"]) - max(a["y0"], b["y0"])
            if w > 1 and h > 1:
                fail("%s '%s': texts overlap: '%s' and '%s'" % (c["name"], c["caption"], a["s"], b["s"]))


UNITS = {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}


def tick_value(s):
    s = s.strip().rstrip("%")
    parts = s.split()
    try:
        return float(parts[0]) * (UNITS.get(parts[1], 1) if len(parts) > 1 else 1)
    except (ValueError, IndexError):
        return None


def axis_top(c, cls):
    """The value at the top of the plot on the axis of tick labels cls, from their positions."""
    ticks = sorted(((tick_value(x["s"]), (x["y0"] + x["y1"]) / 2) for x in c["texts"] if x["cls"] == cls),
                   key=lambda t: t[1])
    ticks = [t for t in ticks if t[0] is not None]
    if len(ticks) < 2 or not c["frame"]:
        return None
    (v1, y1), (v2, y2) = ticks[0], ticks[-1]
    per_px = (v1 - v2) / (y2 - y1)
    return v1 + (y1 - c["frame"]["y0"]) * per_px


def phase_rates(ph):
    """The (MB/s, ops/s) of each time step of a phase (a last step cut short by
    the phase's end is counted with the step before it), and whether the
    phase lasts longer than one step."""
    ts = ph.get("timeseries") or {}
    step = ts.get("step_s") or 1
    ops, byt = ts.get("ops") or [], ts.get("bytes") or []
    d = ph.get("duration_s") or len(ops) * step
    steps = []
    for k in range(len(ops)):
        a, b = k * step, min((k + 1) * step, d)
        if a >= d and k > 0:
            break
        o, y = ops[k] or 0, (byt[k] if k < len(byt) else 0) or 0
        if b - a < step * 0.999 and steps:
            pa, _, po, py = steps.pop()
            a, o, y = pa, o + po, y + py
        steps.append((a, b, o, y))
    return [(y / 1e6 / (b - a), o / (b - a)) for a, b, o, y in steps], d > step


def run_caption(run):
    label = run.get("label") or ""
    return "%s · %s%s · rep %s" % (run.get("registry", ""), run.get("scenario", ""), " " + label if label else "",
                                   run.get("repetition", 1))


def load_runs(results):
    """The runs of a suite's results, or a run's results.json as its one run (named as regbench report names it)."""
    doc = json.load(open(results, encoding="utf-8"))
    if "runs" in doc:
        return doc["runs"]
    scenario = os.path.basename(doc.get("scenario") or "run")
    return [{"registry": (doc.get("registry") or {}).get("kind", "unknown"), "label": "", "repetition": 1,
             "scenario": scenario[:-4] if scenario.endswith(".lua") else scenario, "phases": doc.get("phases") or []}]


def check_throughput(charts, results):
    runs = load_runs(results)
    tcharts = [c for c in charts if c["name"] == "throughput"]
    checked = 0
    for run in runs:
        long_max, all_max = [0.0, 0.0], [0.0, 0.0]
        for ph in run.get("phases") or []:
            rates, longer = phase_rates(ph)
            for r in rates:
                for i in (0, 1):
                    all_max[i] = max(all_max[i], r[i])
                    if longer:
                        long_max[i] = max(long_max[i], r[i])
        if all_max == [0.0, 0.0]:
            continue
        cap = run_caption(run)
        c = next((c for c in tcharts if c["caption"].startswith(cap)), None)
        if c is None:
            fail("no throughput chart for run '%s'" % cap)
            continue
        for i, cls in ((0, "ytick"), (1, "y2tick")):
            ref = long_max[i] if long_max[i] > 0 else all_max[i]
            top = axis_top(c, cls)
            if ref <= 0:
                continue
            if top is None:
                fail("throughput '%s': cannot read the %s axis from its tick labels" % (cap, cls))
                continue
            print("  throughput '%s' %s: axis top %.4g, largest value %.4g (%s)" %
                  (cap, "MB/s" if i == 0 else "ops/s", top, ref, "phases longer than a step" if long_max[i] > 0 else "all phases"))
            if top > ref * 1.25 or top < ref * 0.99:
                fail("throughput '%s': the %s axis reaches %.4g for a largest value of %.4g" %
                     (cap, "MB/s" if i == 0 else "ops/s", top, ref))
        checked += 1
    if checked == 0:
        fail("no throughput chart was checked against results.json")
    return checked


def check_fill(c):
    """The highest mark of a chart reaches the top fifth of its plot."""
    if not c["frame"] or not c["marks"] or c["name"] in ("throughput", "comparison", "latency", "replay"):
        return
    f0, f1 = c["frame"]["y0"], c["frame"]["y1"]
    top = min(m["y0"] for m in c["marks"])
    if top >= f1 - 3:   # every value is 0: no scale to judge
        return
    if top > f0 + 0.2 * (f1 - f0) + 1:
        fail("%s '%s': the highest mark is at %.0f%% of the plot's height" %
             (c["name"], c["caption"], 100 * (f1 - top) / (f1 - f0)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chromium", required=True)
    ap.add_argument("--html", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--layout", type=int, default=0)
    ap.add_argument("--work", default=None)
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp()
    os.makedirs(work, exist_ok=True)
    r = measure(a.chromium, a.html, a.width, work)
    print("report_check: %s at %d px: page %d px tall, %d charts" % (a.html, r["width"], r["height"], len(r["charts"])))
    series = 0
    for c in r["charts"]:
        series += check_series(c)
        check_text(c)
        check_fill(c)
    print("  %d line series; %d texts" % (series, sum(len(c["texts"]) for c in r["charts"])))
    check_throughput(r["charts"], a.results)
    if a.layout:
        last = max((x["bottom"] for x in r["layout"]), default=0)
        print("  the comparison and the summary charts end at %.0f px (target: within %d px)" % (last, a.layout))
        for x in r["layout"]:
            if x["what"] == "missing":
                fail("section #%s is missing" % x["id"])
            elif x["bottom"] > a.layout:
                fail("#%s %s ends at %.0f px, beyond %d px" % (x["id"], x["what"], x["bottom"], a.layout))
    if failures:
        print("report_check: %d failed" % len(failures))
        sys.exit(1)
    print("report_check: ok")


if __name__ == "__main__":
    main()
