#!/usr/bin/env bash
# Stops the single-node Slurm that start-local-slurm.sh started, by the PIDs in its PID files:
# slurmd, slurmctld, then munged. Leaves the packages, the configuration and the state in place.
# Test files that use this Slurm hold a lease ($STATE_DIR/users/<pid>-<id>, test/slurm/local-slurm.ts):
# while a lease of a live process remains, Slurm is left running for it. Checked under the start
# script's lock, so a start in progress elsewhere is never stopped halfway.
set -uo pipefail
STATE_DIR=${TRAINER_SLURM_STATE_DIR:-/var/lib/trainer-slurm}
[ -d "$STATE_DIR" ] || exit 0
exec 9>"$STATE_DIR/start.lock"
flock 9

in_use=0
for lease in "$STATE_DIR"/users/*; do
  [ -e "$lease" ] || continue
  pid=$(basename "$lease"); pid=${pid%%-*}
  if kill -0 "$pid" 2>/dev/null; then in_use=$((in_use + 1)); else rm -f "$lease"; fi
done
if [ "$in_use" -gt 0 ]; then
  echo "stop-local-slurm: left running for $in_use other user(s)"
  exit 0
fi

stop_pidfile() {
  local name=$1 pidfile=$2 pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null; fi
    echo "stop-local-slurm: stopped $name ($pid)"
  fi
  rm -f "$pidfile"
}

stop_pidfile slurmd "$STATE_DIR/slurmd.pid"
stop_pidfile slurmctld "$STATE_DIR/slurmctld.pid"
[ "${1:-}" = --keep-munge ] || stop_pidfile munged /run/munge/munged.pid
