#!/usr/bin/env bash
# The main job on a fresh machine: set up, build, and run the bundled example
# scenario against a crane registry that regbench starts and stops itself.
# Results go to results/<UTC time>/ (results.json, metrics.csv, timeseries.csv).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh build
exec ./build/regbench run scenarios/example.lua "$@"
