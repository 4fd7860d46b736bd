#!/bin/sh
# A Slurm job for the benchmarks: a metric stamped with when it printed it (ms), a sleep, a last
# metric, then the exit code asked for.
sleep_ms=${1:-1000}
exit_code=${2:-0}
echo "{\"epoch\": 1, \"loss\": 1.0, \"printed_at\": $(date +%s%3N)}"
sleep "$(awk "BEGIN { print $sleep_ms / 1000 }")"
echo "{\"epoch\": 2, \"loss\": 0.5, \"printed_at\": $(date +%s%3N)}"
exit "$exit_code"
