#!/usr/bin/env bash
# Stops the single-node Slurm that start-local-slurm.sh started, by the PIDs in its PID files:
# slurmd, slurmctld, then munged. Leaves the packages, the configuration and the state in place.
set -uo pipefail
STATE_DIR=${TRAINER_SLURM_STATE_DIR:-/var/lib/trainer-slurm}

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
