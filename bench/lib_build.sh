# bench/lib_build.sh: the build the bench scripts measure when no binary is
# given. Source it, then
#   bench_build REPO TARGET...   # Release build of TARGETs into REPO/build-bench/ (bounded: 10 min per step)
bench_build() {
    local repo=$1; shift
    timeout 600 cmake -S "$repo" -B "$repo/build-bench" -DCMAKE_BUILD_TYPE=Release >/dev/null
    timeout 600 cmake --build "$repo/build-bench" -j"$(nproc)" --target "$@" >/dev/null
}
