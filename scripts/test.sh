#!/usr/bin/env bash
# All tests on a fresh machine: set up, build, and run every test with ctest
# (unit tests of the core, and integration tests that start real crane and
# distribution registries on loopback). A run where no test ran is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh build
cd build
ctest --output-on-failure --no-tests=error -j2 "$@"
