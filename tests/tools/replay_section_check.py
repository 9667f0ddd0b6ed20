#!/usr/bin/env python3
"""replay_section_check.py RESULTS_JSON OUTPUT: checks the replay section of
a summary.md or a report.html (OUTPUT, told apart by its name) against the
replay_* metrics of a single run's results.json: every op's recorded,
measured and from-intended p50/p90/p99 and their ratios, the on-time share,
the recorded and achieved rates, and the mix (logged and replayed counts,
their difference). Numbers are compared to 1% (the outputs round them).
Prints what it checked; exits 1 naming the first mismatch."""
import html
import json
import re
import sys

PCTS = ("p50", "p90", "p99")


def fail(msg):
    print("replay_section_check: " + msg, file=sys.stderr)
    sys.exit(1)


def close(got, want, what):
    """got (text from the output) is want to 1%, or both are missing ("-")."""
    if want is None:
        if got != "-":
            fail("%s: got %r, want -" % (what, got))
        return
    try:
        g = float(got.rstrip("x%"))
    except ValueError:
        fail("%s: got %r, want %g" % (what, got, want))
    if abs(g - want) > 0.01 * abs(want) + 0.0051:
        fail("%s: got %s, want %g" % (what, got, want))


def rows(text, is_html):
    """The table rows of the output as lists of cell texts."""
    if is_html:
        out = []
        for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", text, re.S):
            cells = re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
            out.append([html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
        return out
    return [[c.strip().strip("*") for c in l.strip().strip("|").split("|")]
            for l in text.splitlines() if l.startswith("| ")]


def main():
    r = json.load(open(sys.argv[1]))
    path = sys.argv[2]
    text = open(path).read()
    is_html = path.endswith(".html")
    if is_html:
        i = text.find('<section id="replay">')
        if i < 0:
            fail("%s has no replay section" % path)
        text = text[i:text.find("</section>", i)]
    else:
        i = text.find("\nReplay on ")
        if i < 0:
            fail("%s has no replay section" % path)
        text = text[i:]
    m = r["metrics"]
    table = rows(text, is_html)
    ops = sorted(k[len("replay_latency_recorded{op="):-1] for k in m if k.startswith("replay_latency_recorded{"))
    for op in ops:
        row = [t for t in table if t and t[0] == op]
        if not row:
            fail("no row for op %s" % op)
        cells = row[0]
        if len(cells) != 14:
            fail("op %s: %d cells, want 14" % (op, len(cells)))
        rec = m.get("replay_latency_recorded{op=%s}" % op)
        mea = m.get("replay_latency{op=%s}" % op)
        cor = m.get("replay_latency_corrected{op=%s}" % op)
        close(cells[1], (mea or rec)["count"], op + " requests")
        for q, p in enumerate(PCTS):
            close(cells[2 + q], rec[p] if rec else None, op + " recorded " + p)
            close(cells[5 + q], mea[p] if mea else None, op + " measured " + p)
            close(cells[8 + q], cor[p] if cor else None, op + " from intended " + p)
            ratio = mea[p] / rec[p] if mea and rec and rec[p] > 0 else None
            close(cells[11 + q], ratio, op + " ratio " + p)
    flat = re.sub(r"<[^>]+>", "", text)
    ot = re.search(r"On time \(started within (.*?) of the intended time\): ([0-9.]+)% of ([0-9]+) requests", flat)
    if not ot:
        fail("no on-time line")
    close(ot.group(2), 100 * m["replay_on_time"]["rate"], "on-time share")
    close(ot.group(3), m["replay_on_time"]["count"], "on-time requests")
    rates = re.search(r"Request rate: recorded ([0-9.]+)/s, achieved ([0-9.]+)/s", flat)
    if not rates:
        fail("no request rate line")
    close(rates.group(1), m["replay_rate_recorded"]["value"], "recorded rate")
    close(rates.group(2), m["replay_rate_achieved"]["value"], "achieved rate")
    mix = {}
    for side in ("logged", "replayed"):
        for k, v in m.items():
            if k.startswith("replay_%s{" % side):
                tags = dict(t.split("=", 1) for t in v["tags"].split(","))
                mix.setdefault((tags["method"], tags["kind"], tags["status"]), {})[side] = v["value"]
    for (meth, kind, status), v in sorted(mix.items()):
        row = [t for t in table if t[:3] == [meth, kind, status]]
        if not row or len(row[0]) != 6:
            fail("no mix row for %s %s %s" % (meth, kind, status))
        lg, rp = v.get("logged", 0), v.get("replayed", 0)
        close(row[0][3], lg, "logged %s %s %s" % (meth, kind, status))
        close(row[0][4], rp, "replayed %s %s %s" % (meth, kind, status))
        close(row[0][5].lstrip("+"), rp - lg, "difference %s %s %s" % (meth, kind, status))
    print("replay_section_check: %s: %d ops, %d mix rows, on time %s%%, rates %s/%s: ok"
          % (path, len(ops), len(mix), ot.group(2), rates.group(1), rates.group(2)))


if __name__ == "__main__":
    main()
