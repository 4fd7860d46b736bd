#!/usr/bin/env bash
# Makes sure tmux is installed, for the dashboard's end-to-end test and benchmarks (a real terminal
# driven with send-keys and read back with capture-pane). Installs Debian's package when missing and
# this runs as root with apt; otherwise exits 2 saying why. Idempotent and serialized (several test
# workers may ask at once).
set -euo pipefail
command -v tmux >/dev/null 2>&1 && exit 0
[ "$(id -u)" = 0 ] || { echo "ensure-tmux: tmux is missing and installing it needs root (apt-get install tmux)" >&2; exit 2; }
command -v apt-get >/dev/null 2>&1 || { echo "ensure-tmux: tmux is missing and there is no apt-get here; install tmux" >&2; exit 2; }
exec 9>/tmp/trainer-ensure-tmux.lock
flock 9
command -v tmux >/dev/null 2>&1 && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends tmux >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y --no-install-recommends tmux >/dev/null; }
command -v tmux >/dev/null
