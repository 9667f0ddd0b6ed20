# The container recipe (deploy/container/Containerfile) against the regbench
# built here. No container runtime runs on these machines, so the image is
# never built in a test; instead this checks what building it needs:
#   - every shared library `ldd regbench` names belongs (dpkg -S) to a package
#     that is present in the final stage: one its apt-get install line names,
#     one debian:bookworm-slim already holds (the list below), or a dependency
#     (Depends, Pre-Depends, as dpkg records them on this bookworm machine) of
#     those, which apt installs with them;
#   - every library regbench itself links (NEEDED in its ELF header) comes
#     from a package the final stage names or bookworm-slim holds: the recipe
#     must not rely on libcurl4 happening to pull in libssl3;
#   - ca-certificates is installed (https:// registries);
#   - every pkg-config module CMakeLists.txt asks for comes from a package the
#     build stage names, with cmake, pkg-config and gcc;
#   - and the check has teeth: with any one of the final stage's library
#     packages removed from a copy of the recipe, it fails and names it.
# A sanitizer build links libasan/libubsan; the recipe builds without
# sanitizers, so their packages are not asked for then.
source "$(dirname "$0")/lib.sh"

CF="$RB_SRC/deploy/container/Containerfile"
[ -f "$CF" ] || fail "no $CF"
sanitize=$(sed -n 's/^REGBENCH_SANITIZE:BOOL=//p' "$RB_BUILD/CMakeCache.txt")

# check_recipe CONTAINERFILE: the checks above; prints the library table, or
# what is missing (exit 1).
check_recipe() {
  python3 - "$1" "$REGBENCH" "$RB_SRC/CMakeLists.txt" "$sanitize" <<'EOF'
import os, re, subprocess, sys

containerfile, binary, cmakelists, sanitize = sys.argv[1:5]

# The packages of the debian:bookworm-slim image (amd64), from the image's
# published package list (docker-library/repo-info, repos/debian/local/
# bookworm-slim.md, 2026). What the final stage has without installing it.
BOOKWORM_SLIM = set("""
adduser apt base-files base-passwd bash bsdutils coreutils dash debconf
debian-archive-keyring debianutils diffutils dpkg e2fsprogs findutils
gcc-12-base gpgv grep gzip hostname init-system-helpers libacl1
libapt-pkg6.0 libattr1 libaudit-common libaudit1 libblkid1 libbz2-1.0 libc-bin
libc6 libcap-ng0 libcap2 libcom-err2 libcrypt1 libdb5.3 libdebconfclient0
libext2fs2 libffi8 libgcc-s1 libgcrypt20 libgmp10 libgnutls30 libgpg-error0
libhogweed6 libidn2-0 liblz4-1 liblzma5 libmd0 libmount1 libnettle8
libp11-kit0 libpam-modules libpam-modules-bin libpam-runtime libpam0g
libpcre2-8-0 libseccomp2 libselinux1 libsemanage-common libsemanage2
libsepol2 libsmartcols1 libss2 libstdc++6 libsystemd0 libtasn1-6 libtinfo6
libudev1 libunistring2 libuuid1 libxxhash0 libzstd1 login logsave mawk mount
ncurses-base ncurses-bin passwd perl-base sed sysvinit-utils tar tzdata
usr-is-merged util-linux util-linux-extra zlib1g
""".split())

problems = []

# ---- the recipe: stages and what their apt-get install lines name
text = open(containerfile, encoding="utf-8").read()
lines = [l for l in text.replace("\\\n", " ").splitlines() if not l.lstrip().startswith("#")]
stages = []
for l in lines:
    words = l.split()
    if not words:
        continue
    if words[0].upper() == "FROM":
        stages.append({"from": words[1], "as": words[3] if len(words) > 3 else None, "install": [], "lines": []})
    elif stages:
        stages[-1]["lines"].append(l)
        if words[0].upper() == "RUN":
            for cmd in re.split(r"&&|;|\|\|", l[3:]):
                w = cmd.split()
                if len(w) > 2 and w[0] == "apt-get" and "install" in w:
                    stages[-1]["install"] += [x for x in w[w.index("install") + 1:] if not x.startswith("-")]
if len(stages) != 2:
    sys.exit(f"{containerfile}: expected two stages (build, then the image), found {len(stages)}")
build, final = stages
for s in stages:
    if s["from"] != "debian:bookworm-slim":
        problems.append(f"stage FROM {s['from']}: both stages are debian:bookworm-slim")
if not any(re.match(r"COPY\s+--from=" + re.escape(build["as"] or "0") + r"\s+\S*regbench\s", l) for l in final["lines"]):
    problems.append("the final stage does not COPY --from=" + str(build["as"]) + " the regbench binary")
named = set(final["install"])
if "ca-certificates" not in named:
    problems.append("the final stage does not install ca-certificates (needed for https:// registries)")

# ---- what dpkg knows on this machine: owners, dependencies, providers
status = subprocess.run(["dpkg-query", "-W", "-f", "${Package}\t${db:Status-Status}\t${Depends}\t${Pre-Depends}\t${Provides}\n"],
                        capture_output=True, text=True, check=True).stdout
deps, provided_by = {}, {}
for row in status.splitlines():
    pkg, st, dep, pre, prov = (row.split("\t") + [""] * 5)[:5]
    if st != "installed":
        continue
    alts = []
    for clause in filter(None, (c.strip() for c in (dep + "," + pre).split(","))):
        alts.append([re.sub(r"[:\s(].*", "", a.strip()) for a in clause.split("|")])
    deps[pkg] = alts
    for p in filter(None, (re.sub(r"[:\s(].*", "", x.strip()) for x in prov.split(","))):
        provided_by.setdefault(p, pkg)

def closure(roots):
    """roots and everything they depend on (an alternative already present, else the first one installed here)."""
    have, todo, why = set(), list(roots), {r: None for r in roots}
    while todo:
        p = todo.pop()
        if p in have:
            continue
        have.add(p)
        for alts in deps.get(p, []):
            names = [a if a in deps else provided_by.get(a, a) for a in alts]
            if any(n in have for n in names):
                continue
            pick = next((n for n in names if n in deps), names[0])
            why.setdefault(pick, p)
            todo.append(pick)
    return have, why

_owners, _asked = {}, set()
def owners(paths):
    """Which package ships each path, with one dpkg -S for all (dpkg knows
    /usr/lib and /lib apart, /lib being a link: both spellings are asked)."""
    ask = set()
    for p in paths:
        ask.add(p)
        ask.add(p[4:] if p.startswith("/usr/") else "/usr" + p)
    ask -= _asked
    _asked.update(ask)
    if ask:
        out = subprocess.run(["dpkg", "-S"] + sorted(ask), capture_output=True, text=True).stdout
        for m in re.finditer(r"^([^:\s,]+)[^:]*(?::[\w-]+)?: (/\S+)$", out, re.M):
            _owners.setdefault(m.group(2), m.group(1))

def owner(path):
    """The package that ships path, or None."""
    owners([path])
    alt = path[4:] if path.startswith("/usr/") else "/usr" + path
    return _owners.get(path) or _owners.get(alt)

present, why = closure(named | BOOKWORM_SLIM)
ignored = re.compile(r"^lib(asan|ubsan|lsan|tsan)\d") if sanitize == "ON" else None

# ---- every library the dynamic linker loads for regbench
ldd = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
owners(re.findall(r"(/\S+) \(0x", ldd))
table = []
for l in ldd.splitlines():
    m = re.match(r"\s*(\S+)\s*(?:=>\s*(\S+))?", l)
    lib, path = m.group(1), m.group(2)
    if "not found" in l:
        problems.append(f"ldd: {lib} not found on this machine")
        continue
    if path is None:
        path = lib if lib.startswith("/") else None
    if path is None:                       # linux-vdso.so.1: the kernel's, no file
        continue
    pkg = owner(path)
    if pkg is None:
        problems.append(f"{lib} ({path}) belongs to no Debian package (dpkg -S): the image could not get it")
        continue
    if ignored and ignored.match(pkg):
        table.append((lib, pkg, "sanitizer runtime, not in the image's build"))
        continue
    if pkg in named:
        how = "installed by the final stage"
    elif pkg in BOOKWORM_SLIM:
        how = "in bookworm-slim"
    elif pkg in present:
        chain, p = [], pkg
        while why.get(p):
            p = why[p]
            chain.append(p)
        how = "dependency of " + " <- ".join(chain)
    else:
        problems.append(f"{lib} ({path}) is in package {pkg}, which the final stage of {containerfile} "
                        f"does not install (and bookworm-slim does not hold): add {pkg} to its apt-get install line")
        continue
    table.append((lib, pkg, how))

# ---- what regbench links itself must be named (or in bookworm-slim)
dyn = subprocess.run(["objdump", "-p", binary], capture_output=True, text=True, check=True).stdout
paths = {m.group(1): m.group(2) for m in re.finditer(r"^\s*(\S+) => (\S+)", ldd, re.M)}
for lib in re.findall(r"^\s*NEEDED\s+(\S+)", dyn, re.M):
    pkg = owner(paths.get(lib, ""))
    if pkg and not (ignored and ignored.match(pkg)) and pkg not in named and pkg not in BOOKWORM_SLIM:
        problems.append(f"regbench links {lib} itself, from package {pkg}, which the final stage does not name "
                        f"(it comes only as a dependency of another package): add {pkg} to its apt-get install line")

# ---- the build stage: every pkg-config module of CMakeLists.txt, and the tools
cm = open(cmakelists, encoding="utf-8").read()
build_named = set(build["install"])
for tool in ("cmake", "pkg-config", "gcc"):
    if tool not in build_named:
        problems.append(f"the build stage does not install {tool}")
for mod in re.findall(r"pkg_check_modules\(\s*\w+\s+REQUIRED\s+(?:IMPORTED_TARGET\s+)?([\w.+-]+)", cm):
    r = subprocess.run(["pkg-config", "--path", mod], capture_output=True, text=True)
    pkg = owner(r.stdout.strip()) if r.returncode == 0 else None
    if pkg is None:
        problems.append(f"pkg-config module {mod} (CMakeLists.txt) is not installed here")
    elif pkg not in build_named:
        problems.append(f"pkg-config module {mod} comes from {pkg}, which the build stage does not install")

if problems:
    print("\n".join("  " + p for p in problems), file=sys.stderr)
    sys.exit(1)
for lib, pkg, how in table:
    print(f"{lib:28} {pkg:22} {how}")
EOF
}

check_recipe "$CF" >"$WORK/libs.txt" 2>"$WORK/problems.txt" \
  || { cat "$WORK/problems.txt"; fail "$CF does not give regbench what it needs"; }
cat "$WORK/libs.txt"
expect_grep "$WORK/libs.txt" '^libcurl\.so\.4 +libcurl4 +installed by the final stage'
expect_grep "$WORK/libs.txt" '^libnghttp2\.so\.14 +libnghttp2-14 +dependency of libcurl4'
expect_grep "$WORK/libs.txt" '^libc\.so\.6 +libc6 +in bookworm-slim'

# The check fails when a package the image needs is left out, and names it.
runtime=$(sed -n '/^FROM debian:bookworm-slim$/,$p' "$CF" | grep -oE '\blib[a-z0-9.+-]+\b' | grep -v '^lib/' | sort -u)
[ -n "$runtime" ] || fail "found no library packages in the final stage of $CF"
for pkg in $runtime ca-certificates; do
  sed -E "/^FROM debian:bookworm-slim\$/,\$ s/([[:space:]])$pkg([[:space:]]|\$)/\1\2/" "$CF" >"$WORK/Containerfile.no-$pkg"
  ! cmp -s "$CF" "$WORK/Containerfile.no-$pkg" || fail "could not remove $pkg from a copy of $CF"
  if check_recipe "$WORK/Containerfile.no-$pkg" >/dev/null 2>"$WORK/problems.txt"; then
    fail "the check passed with $pkg removed from the final stage"
  fi
  expect_grep "$WORK/problems.txt" "$pkg"
done
# and a -dev package left out of the build stage
sed -E 's/ libuv1-dev / /' "$CF" >"$WORK/Containerfile.no-dev"
! check_recipe "$WORK/Containerfile.no-dev" >/dev/null 2>"$WORK/problems.txt" || fail "the check passed without libuv1-dev"
expect_grep "$WORK/problems.txt" "pkg-config module libuv comes from libuv1-dev, which the build stage does not install"
echo "test_container_libs: ok"
