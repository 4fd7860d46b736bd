#!/usr/bin/env bash
# Starts a real single-node Slurm on this host, for the slurm backend's tests (test/slurm/).
#
# Idempotent: installs the Debian packages munge, slurmctld, slurmd and slurm-client if they are
# missing, writes /etc/slurm/slurm.conf and gres.conf (only if no other slurm.conf is there), and
# starts whichever of munged, slurmctld and slurmd is not running, as daemons with PID files and
# without systemd. Waits until `sinfo` shows the node ready and prints how long it took.
#
# The node is this host with its CPUs and memory, plus two fake GPUs (GRES gpu:2) backed by
# character devices, so that GRES allocation and CUDA_VISIBLE_DEVICES work without a GPU. There is
# no accounting (sacct does not work); finished jobs are recorded by jobcomp/filetxt in
# $STATE_DIR/jobcomp.log.
#
# Needs root and apt access. Exit codes: 0 up; 2 cannot (not root, no apt, a foreign slurm.conf);
# 1 something failed on the way (the daemons' logs are printed).
#
# Environment: TRAINER_SLURM_STATE_DIR (default /var/lib/trainer-slurm): state, spool, logs, PID
# files and the jobcomp file.
set -euo pipefail

started_at=$(date +%s.%N)
STATE_DIR=${TRAINER_SLURM_STATE_DIR:-/var/lib/trainer-slurm}
CONF_DIR=/etc/slurm
CONF=$CONF_DIR/slurm.conf
MARKER='# Written by trainer scripts/slurm/start-local-slurm.sh'
NODE=$(hostname -s)

say() { echo "start-local-slurm: $*"; }
cannot() { echo "start-local-slurm: cannot start Slurm here: $*" >&2; exit 2; }

[ "$(id -u)" = 0 ] || cannot "needs root (running as uid $(id -u))"

# One start at a time (several test files may ask at once).
mkdir -p "$STATE_DIR"
exec 9>"$STATE_DIR/start.lock"
flock 9

# --- packages -------------------------------------------------------------------------------
missing=()
for pair in munge:munged slurmctld:slurmctld slurmd:slurmd slurm-client:sbatch; do
  command -v "${pair#*:}" >/dev/null 2>&1 || [ -x "/usr/sbin/${pair#*:}" ] || missing+=("${pair%%:*}")
done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || cannot "the packages ${missing[*]} are missing and there is no apt-get"
  say "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  # the package lists may be missing or stale on a fresh machine: update once if the install fails
  if ! apt-get install -y --no-install-recommends munge slurmctld slurmd slurm-client >"$STATE_DIR/apt.log" 2>&1; then
    apt-get update >>"$STATE_DIR/apt.log" 2>&1 || true
    apt-get install -y --no-install-recommends munge slurmctld slurmd slurm-client >>"$STATE_DIR/apt.log" 2>&1 \
      || { tail -20 "$STATE_DIR/apt.log" >&2; cannot "apt-get install munge slurmctld slurmd slurm-client failed"; }
  fi
fi

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# --- configuration ----------------------------------------------------------------------------
if [ -f "$CONF" ] && ! grep -qF "$MARKER" "$CONF"; then
  cannot "$CONF exists and was not written by this script; not overwriting a real Slurm configuration"
fi
mkdir -p "$CONF_DIR" "$STATE_DIR/ctld" "$STATE_DIR/spool" "$STATE_DIR/log"

# This host's CPUs and memory as slurmd sees them, less 5% of the memory so the node is never
# drained for having less than configured.
hardware=$(slurmd -C | head -1)
hw() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" <<<"$hardware"; }
memory=$(( $(hw RealMemory) * 95 / 100 ))
node_line="NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$(hw CPUs) Boards=$(hw Boards) SocketsPerBoard=$(hw SocketsPerBoard) CoresPerSocket=$(hw CoresPerSocket) ThreadsPerCore=$(hw ThreadsPerCore) RealMemory=$memory Gres=gpu:2 State=UNKNOWN"

# Two fake GPUs: character devices like /dev/null, enough for GRES to allocate and to set
# CUDA_VISIBLE_DEVICES.
for index in 0 1; do
  [ -c "/dev/trainer-gpu$index" ] || mknod "/dev/trainer-gpu$index" c 1 3
done

new_conf=$(cat <<CONF
$MARKER: a single-node Slurm for the trainer's tests.
ClusterName=trainer-local
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$STATE_DIR/ctld
SlurmdSpoolDir=$STATE_DIR/spool
SlurmctldPidFile=$STATE_DIR/slurmctld.pid
SlurmdPidFile=$STATE_DIR/slurmd.pid
SlurmctldLogFile=$STATE_DIR/log/slurmctld.log
SlurmdLogFile=$STATE_DIR/log/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$STATE_DIR/jobcomp.log
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerNode=256
MailProg=/bin/true
GresTypes=gpu
ReturnToService=2
KillWait=2
MinJobAge=300
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=60
$node_line
# Cores may be shared by up to 8 jobs: the tests run several small jobs at once on a 2-core machine.
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8
CONF
)
new_gres="$MARKER
NodeName=$NODE Name=gpu File=/dev/trainer-gpu[0-1]"

changed=0
if [ "$(cat "$CONF" 2>/dev/null)" != "$new_conf" ]; then printf '%s\n' "$new_conf" >"$CONF"; changed=1; fi
if [ "$(cat "$CONF_DIR/gres.conf" 2>/dev/null)" != "$new_gres" ]; then printf '%s\n' "$new_gres" >"$CONF_DIR/gres.conf"; changed=1; fi

# --- daemons ----------------------------------------------------------------------------------
if [ "$changed" = 1 ]; then
  # a new configuration: restart what runs with the old one
  for pidfile in "$STATE_DIR/slurmd.pid" "$STATE_DIR/slurmctld.pid"; do
    if pid_alive "$pidfile"; then
      kill "$(cat "$pidfile")"
      for _ in $(seq 100); do pid_alive "$pidfile" || break; sleep 0.1; done
      ! pid_alive "$pidfile" || kill -KILL "$(cat "$pidfile")" 2>/dev/null || true
    fi
  done
fi

# Daemons get no stdio of ours and not the lock: a caller reading this script's output sees it end.
daemon() { "$@" </dev/null >/dev/null 2>&1 9>&-; }

if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  [ -s /etc/munge/munge.key ] || { dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=128 status=none; chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key; }
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/log/munge /var/lib/munge
  daemon runuser -u munge -- /usr/sbin/munged --force
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n | unmunge >/dev/null || { echo "start-local-slurm: munged does not answer" >&2; exit 1; }
fi

fail() {
  echo "start-local-slurm: $*" >&2
  tail -n 15 "$STATE_DIR/log/slurmctld.log" "$STATE_DIR/log/slurmd.log" >&2 2>/dev/null || true
  exit 1
}
pid_alive "$STATE_DIR/slurmctld.pid" || daemon slurmctld || fail "slurmctld did not start"
pid_alive "$STATE_DIR/slurmd.pid" || daemon slurmd -N "$NODE" || fail "slurmd did not start"

ready() { case "$1" in idle|mixed|allocated|completing) return 0 ;; *) return 1 ;; esac; }
deadline=$(( $(date +%s) + 60 ))
node_state=''
while [ "$(date +%s)" -lt "$deadline" ]; do
  # (a daemon writes its PID file a moment after it forks)
  for daemon_name in slurmctld slurmd; do
    pidfile="$STATE_DIR/$daemon_name.pid"
    [ ! -f "$pidfile" ] || pid_alive "$pidfile" || fail "$daemon_name died"
  done
  node_state=$(timeout 5 sinfo -h -n "$NODE" -o %T 2>/dev/null || true)
  ready "$node_state" && break
  case "$node_state" in
    down*|drain*) scontrol update NodeName="$NODE" State=RESUME >/dev/null 2>&1 || true ;;
  esac
  sleep 0.1
done
ready "$node_state" || fail "the node did not become ready in 60 s (state: '$node_state')"

elapsed=$(awk -v start="$started_at" -v now="$(date +%s.%N)" 'BEGIN { printf "%.1f", now - start }')
say "Slurm is up in ${elapsed} s: node $NODE is $node_state (state in $STATE_DIR)"
