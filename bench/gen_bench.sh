#!/usr/bin/env bash
# gen_bench.sh: runs bench/gen_bench (a unique 1 GB layer with both digests per
# compression (gzip levels 0, 1, 6, 9, plain tar, zstd levels 1, 3, 19) and
# compressibility, against OpenSSL SHA-256 of the same byte count in the same
# run) and reports peak RSS. Unless --no-docs, it replaces the section between
# <!-- gen-bench:start --> and <!-- gen-bench:end --> in docs/performance.md
# (appended the first time) with the table of this run.
# usage: bench/gen_bench.sh [BUILD_DIR] [SIZE] [--no-docs] [--only gzip|zstd]
#   BUILD_DIR with bench/gen_bench built (add_subdirectory(bench)); without it,
#   the benchmark is compiled here with gcc from the sources.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
WRITE_DOCS=1
POS=()
EXTRA=()
while [ $# -gt 0 ]; do
  case $1 in
    --no-docs) WRITE_DOCS=0 ;;
    --only) [ $# -ge 2 ] || { echo "gen_bench.sh: --only needs gzip or zstd" >&2; exit 2; }
            EXTRA+=(--only "$2"); shift ;;
    *) POS+=("$1") ;;
  esac
  shift
done
BUILD=${POS[0]:-}
SIZE=${POS[1]:-1GB}
BIN=
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
if [ -n "$BUILD" ] && [ -x "$BUILD/bench/gen_bench" ]; then
  BIN="$BUILD/bench/gen_bench"
else
  gcc -std=c11 -D_GNU_SOURCE -O2 -I"$SRC/include" "$SRC/bench/gen_bench.c" "$SRC"/src/image/gen_*.c "$SRC"/src/util/*.c \
      -o "$TMP/gen_bench" -lz -lzstd -lcrypto -ljansson -lpthread -lm
  BIN="$TMP/gen_bench"
fi
cpu="$(nproc) CPU(s): $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
libs="zlib $(pkg-config --modversion zlib 2>/dev/null || echo '?'), libzstd $(pkg-config --modversion libzstd 2>/dev/null || echo '?'), $(openssl version 2>/dev/null || echo 'openssl ?')"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "# $cpu"
echo "# $libs"
rc=0
if command -v /usr/bin/time >/dev/null; then
  /usr/bin/time -o "$TMP/time.txt" -f "peak RSS (time -f %%M): %M KB, wall %e s" "$BIN" "$SIZE" ${EXTRA[@]+"${EXTRA[@]}"} \
    | tee "$TMP/table.txt" || rc=$?
  echo "# $(cat "$TMP/time.txt")"
else
  "$BIN" "$SIZE" ${EXTRA[@]+"${EXTRA[@]}"} | tee "$TMP/table.txt" || rc=$?
  echo "not measured" >"$TMP/time.txt"
fi
[ "$WRITE_DOCS" = 1 ] || exit "$rc"

# The table as markdown: the header line, then one row per layer.
table=$(awk 'NR == 1 { printf "|"; for (i = 1; i <= NF; i++) printf " %s |", $i; printf "\n|"
                       for (i = 1; i <= NF; i++) printf "---|"; printf "\n"; next }
             /^peak RSS/ { next }
             { printf "|"; for (i = 1; i <= NF; i++) printf " %s |", $i; printf "\n" }' "$TMP/table.txt")
summary=$(grep '^peak RSS' "$TMP/table.txt" || echo "(no summary: the benchmark failed)")
section=$(cat <<EOF
<!-- gen-bench:start -->
## Image generator: a unique layer vs SHA-256 (bench/gen_bench.sh)

Last run: $(date -u +%Y-%m-%dT%H:%MZ), $cpu, $(uname -sr),
$libs; load average before: $load0.

Each row makes one unique $SIZE layer (\`rb_layer_new\`, digest cache off):
plan it, then take both digests (the stored bytes and the tar, hashed on two
threads). \`gen_s\` is that time, \`sha_s\` the time OpenSSL SHA-256 (one
thread) takes over the same number of bytes (stored + tar) in the same run,
\`ratio\` = gen_s / sha_s (target: at most 1.5). \`stream_MB/s\` is reading
the stored bytes through \`rb_layer_read\` into a 1 MiB buffer, as an upload
does. \`level\` is the gzip or zstd level (\`-\` for a plain tar), \`c\` the
compressibility. The time of a row includes building its chunk pool (64 x
64 KiB compressed once per compression, level and compressibility), so the
first layer at zstd 19 pays ~0.3 s that later layers share. The load
average says how busy the machine was: on a shared machine the ratios move
between runs, so compare the rows of one run.

$table

$summary; $(cat "$TMP/time.txt").

Reproduce: \`bench/gen_bench.sh build\` (writes this section),
\`bench/gen_bench.sh build 1GB --no-docs --only zstd\` (prints only).
<!-- gen-bench:end -->
EOF
)
source "$SRC/bench/lib_docs.sh"
write_doc_section gen-bench "$SRC/docs/performance.md" "$section"
exit "$rc"
