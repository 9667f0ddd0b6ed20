# bench/lib_build.sh: the build the bench scripts measure when no binary is
# given. Source it, then
#   bench_build REPO TARGET...   # Release build of TARGETs into REPO/build-bench/ (bounded: 10 min per step)
bench_build() {
    local repo=$1; shift
    timeout 600 cmake -S "$repo" -B "$repo/build-bench" -DCMAKE_BUILD_TYPE=Release >/dev/null
    timeout 600 cmake --build "$repo/build-bench" -j"$(nproc)" --target "$@" >/dev/null
}

#   bench_regbench REPO          # sets REGBENCH: as given, else the Release build (bench_build); fails without one
bench_regbench() {
    if [ -z "${REGBENCH:-}" ]; then
        REGBENCH="$1/build-bench/regbench"
        bench_build "$1" regbench
    fi
    [ -x "$REGBENCH" ] || { echo "$(basename "$0"): no regbench binary at $REGBENCH" >&2; exit 1; }
}
