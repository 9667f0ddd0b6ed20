#!/usr/bin/env bash
# All tests on a fresh machine: set up, build, and run every test with ctest:
#   0. the core configured without Lua (-DREGBENCH_LUA=OFF): it must build,
#      and its unit tests (and the layering rules) pass;
#   1. the normal build: unit tests of the core, and integration tests that
#      start real crane and distribution registries on loopback (including
#      the README's main command and the report opened in headless Chromium);
#   2. the same tests built with AddressSanitizer + UndefinedBehaviorSanitizer
#      (LeakSanitizer on), where any sanitizer report fails the test; the
#      main-command and browser tests are not repeated there;
#   3. the libFuzzer targets (clang) on their corpora, for a bounded time.
# A pass where no test ran is a failure (--no-tests=error).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== the core without Lua (configured with -DREGBENCH_LUA=OFF: core, commands, unit tests)" >&2
bash scripts/build.sh build-core -DREGBENCH_LUA=OFF
(cd build-core && ctest --output-on-failure --no-tests=error -j2 -L unit)

echo "== tests (normal build)" >&2
bash scripts/build.sh build
(cd build && ctest --output-on-failure --no-tests=error -j2 "$@")

echo "== tests (AddressSanitizer + UndefinedBehaviorSanitizer)" >&2
bash scripts/build.sh build-asan -DREGBENCH_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:exitcode=86 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
   ctest --output-on-failure --no-tests=error -j2 -E 'main_command|report_browser' "$@")

echo "== fuzzing (libFuzzer, bounded time)" >&2
bash scripts/build.sh build-fuzz -DCMAKE_C_COMPILER=clang -DREGBENCH_FUZZ=ON -DBUILD_TESTING=OFF
(cd build-fuzz && ctest --output-on-failure --no-tests=error -L fuzz)
