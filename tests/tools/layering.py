#!/usr/bin/env python3
"""layering: checks the rules of the code's shape (docs/architecture.md,
"Rules the build checks") on the sources and on the object files of a build.

A module is a .c file with its header. An edge A -> B is
  - an #include "..." in A (or in its own header) of B's header, where a
    header belongs to the .c file of the same name (rb_http.h -> http.c,
    xfer.h -> xfer.c); headers of a whole folder (rb_gen.h, rb_cli.h) give
    no include edge, their functions give call edges, or
  - a call from A to a function only B defines (from `nm` on the build's
    object files: A's undefined symbols, B's defined ones).
Rules:
  1. no import cycle among modules;
  2. nothing outside src/lua/ includes a Lua header (lua.h, lauxlib.h,
     lualib.h), and no object outside src/lua/ refers to a Lua symbol;
  3. the scheduler (src/lua/lrt.c) reaches no output module (src/results/):
     neither by include nor by call;
  4. the folders keep their order: a module may only reach modules of its
     own folder or of folders listed after it in ORDER (so util/ reaches
     nothing else, and nothing reaches cli/).
Usage: layering.py SOURCE_DIR BUILD_DIR   (exit 1 and the findings on failure)
"""
import os
import re
import subprocess
import sys
from collections import defaultdict

# Folders from the top down: each may reach only the folders after it.
ORDER = ["cli", "lua", "run", "suite", "results", "registry", "image", "net", "replay", "measure", "util"]
# Exceptions to rule 4, each with its reason (keep this short).
ALLOWED_UP = {
}
LUA_HEADERS = re.compile(r'#\s*include\s*[<"](lua|lauxlib|lualib|luaconf)\.h[">]')
INCLUDE = re.compile(r'#\s*include\s*"([^"]+)"')


def modules(src):
    """{module path 'src/net/http.c': folder}"""
    out = {}
    for d in ORDER:
        folder = os.path.join(src, "src", d)
        if not os.path.isdir(folder):
            continue
        for f in sorted(os.listdir(folder)):
            if f.endswith(".c"):
                out["src/%s/%s" % (d, f)] = d
    return out


def header_owner(mods):
    """header basename -> module, for headers named after one .c file."""
    by_stem = defaultdict(list)
    for m in mods:
        by_stem[os.path.basename(m)[:-2]].append(m)
    owner = {}
    for m in mods:
        stem = os.path.basename(m)[:-2]
        for h in ("rb_%s.h" % stem, "%s.h" % stem):
            if len(by_stem[stem]) == 1:
                owner.setdefault(h, m)
    return owner


def includes(src, path):
    try:
        with open(os.path.join(src, path), encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return "", []
    return text, INCLUDE.findall(text)


def own_header(src, mod):
    d = os.path.dirname(mod)
    stem = os.path.basename(mod)[:-2]
    for cand in ("%s/%s.h" % (d, stem), "include/%s/rb_%s.h" % (d.split("/")[-1], stem)):
        if os.path.exists(os.path.join(src, cand)):
            return cand
    return None


def nm_symbols(obj):
    out = subprocess.run(["nm", obj], capture_output=True, text=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TDBR":
            defined.add(parts[2])
        elif len(parts) == 2 and parts[0] == "U":
            undefined.add(parts[1])
    return defined, undefined


def objects(build, mods):
    """module -> object file of the build (the first found)."""
    found = {}
    for root, _, files in os.walk(os.path.join(build, "CMakeFiles")):
        for f in files:
            if not f.endswith(".c.o"):
                continue
            full = os.path.join(root, f)
            m = re.search(r"\.dir/(src/.*\.c)\.o$", full)
            if m and m.group(1) in mods and m.group(1) not in found:
                found[m.group(1)] = full
    return found


def sccs(nodes, edges):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(comp)

    for v in nodes:
        if v not in index:
            visit(v)
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    src, build = sys.argv[1], sys.argv[2]
    mods = modules(src)
    if not mods:
        print("layering: no modules under %s/src" % src)
        return 1
    owner = header_owner(mods)
    problems = []
    edges = defaultdict(set)
    why = {}

    # include edges, and Lua headers outside src/lua/
    for m, folder in mods.items():
        files = [m]
        h = own_header(src, m)
        if h:
            files.append(h)
        for f in files:
            text, incs = includes(src, f)
            if folder != "lua" and LUA_HEADERS.search(text):
                problems.append("%s includes a Lua header (only src/lua/ may)" % f)
            for inc in incs:
                target = owner.get(os.path.basename(inc))
                if target and target != m:
                    edges[m].add(target)
                    why.setdefault((m, target), "%s includes %s" % (f, inc))

    # call edges from the object files
    objs = objects(build, mods)
    if len(objs) < len([m for m in mods if mods[m] not in ("lua", "cli")]):
        problems.append("object files of the build in %s are missing: build it first" % build)
    definer = {}
    undefined = {}
    for m, o in objs.items():
        d, u = nm_symbols(o)
        undefined[m] = u
        for s in d:
            definer.setdefault(s, m)
    for m, u in undefined.items():
        for s in u:
            if mods[m] != "lua" and (s.startswith("lua_") or s.startswith("luaL_")):
                problems.append("%s refers to the Lua symbol %s (only src/lua/ may)" % (m, s))
            t = definer.get(s)
            if t and t != m:
                edges[m].add(t)
                why.setdefault((m, t), "%s calls %s" % (m, s))

    # rule 1: no cycles
    for comp in sccs(sorted(mods), edges):
        if len(comp) > 1:
            comp = sorted(comp)
            ties = ["    %s" % why[(a, b)] for a in comp for b in sorted(edges[a]) if b in comp]
            problems.append("import cycle among %s:\n%s" % (", ".join(comp), "\n".join(ties)))

    # rule 3: the scheduler reaches no output module
    for t in sorted(edges.get("src/lua/lrt.c", ())):
        if mods[t] == "results":
            problems.append("the scheduler reaches an output module: %s" % why[("src/lua/lrt.c", t)])

    # rule 4: folder order
    rank = {d: i for i, d in enumerate(ORDER)}
    for a in sorted(edges):
        for b in sorted(edges[a]):
            fa, fb = mods[a], mods[b]
            if rank[fb] < rank[fa] and (a, b) not in ALLOWED_UP:
                problems.append("%s/ reaches up into %s/: %s" % (fa, fb, why[(a, b)]))

    n_edges = sum(len(v) for v in edges.values())
    if problems:
        print("layering: %d problem(s) in %d modules, %d edges:" % (len(problems), len(mods), n_edges))
        for p in problems:
            print("- " + p)
        return 1
    folders = defaultdict(set)
    for a in edges:
        for b in edges[a]:
            if mods[a] != mods[b]:
                folders[mods[a]].add(mods[b])
    print("layering: ok: %d modules, %d edges, no cycle; folder edges:" % (len(mods), n_edges))
    for d in ORDER:
        if d in folders:
            print("  %-9s -> %s" % (d, ", ".join(x for x in ORDER if x in folders[d])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
