#!/usr/bin/env bash
# Runs the event-bus benchmarks (bench/src) against a private redis-server
# and writes bench/results/latest.json and latest.md. Targets are reported
# there, never enforced: timings depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-redis.sh
npx nest build bench
node dist/bench/bench/src/main.js
