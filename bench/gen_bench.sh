#!/usr/bin/env bash
# gen_bench.sh: runs bench/gen_bench (a unique 1 GB layer with both digests per
# compression level and compressibility, against OpenSSL SHA-256 of the same
# byte count in the same run) and reports peak RSS.
# usage: bench/gen_bench.sh [BUILD_DIR] [SIZE]
#   BUILD_DIR with bench/gen_bench built (add_subdirectory(bench)); without it,
#   the benchmark is compiled here with gcc from the sources.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-}
SIZE=${2:-1GB}
BIN=
if [ -n "$BUILD" ] && [ -x "$BUILD/bench/gen_bench" ]; then
  BIN="$BUILD/bench/gen_bench"
else
  TMP=$(mktemp -d)
  trap 'rm -rf "$TMP"' EXIT
  gcc -std=c11 -D_GNU_SOURCE -O2 -I"$SRC/include" "$SRC/bench/gen_bench.c" "$SRC"/src/image/gen_*.c "$SRC"/src/util/*.c \
      -o "$TMP/gen_bench" -lz -lcrypto -ljansson -lpthread -lm
  BIN="$TMP/gen_bench"
fi
echo "# $(nproc) CPU(s): $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "# zlib $(pkg-config --modversion zlib 2>/dev/null || echo '?'), $(openssl version 2>/dev/null || echo 'openssl ?')"
if command -v /usr/bin/time >/dev/null; then
  /usr/bin/time -f "# peak RSS (time -f %%M): %M KB, wall %e s" "$BIN" "$SIZE"
else
  "$BIN" "$SIZE"
fi
