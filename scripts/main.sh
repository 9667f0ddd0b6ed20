#!/usr/bin/env bash
# The main job on a fresh machine: set up, build, and run the default suite
# (suites/default.yaml: every scenario, comparing crane, distribution 2.8
# and distribution 3 registries regbench starts and stops itself). Results
# go to results/default-<UTC time>/: summary.md to read, results.json,
# summary.csv, bench.txt, report.html.
# Extra arguments go to `regbench suite` (e.g. --out DIR, --baseline FILE).
# BUILD_DIR (default build) chooses the build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh "${BUILD_DIR:-build}"
exec "${BUILD_DIR:-build}/regbench" suite suites/default.yaml "$@"
