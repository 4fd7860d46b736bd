#!/usr/bin/env bash
# Makes sure Debian's Prometheus (prometheus + promtool) is installed, for the test that has a real
# Prometheus scrape the agent. Installs Debian's package when missing and this runs as root with apt;
# otherwise exits 2 saying why. The package's own service is never started: the test runs the binary
# itself on a loopback port. Idempotent and serialized (several test workers may ask at once).
set -euo pipefail
have() { command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; }
have && exit 0
[ "$(id -u)" = 0 ] || { echo "ensure-prometheus: prometheus is missing and installing it needs root (apt-get install prometheus)" >&2; exit 2; }
command -v apt-get >/dev/null 2>&1 || { echo "ensure-prometheus: prometheus is missing and there is no apt-get here; install prometheus and promtool" >&2; exit 2; }
exec 9>/tmp/trainer-ensure-prometheus.lock
flock 9
have && exit 0
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d keeps the package's postinst from starting its own Prometheus on :9090
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1; fi
trap '[ "$made_policy" = 1 ] && rm -f "$policy"' EXIT
# another apt-get (another test's or a person's) may hold dpkg's lock: wait for it rather than fail
lock_wait=(-o DPkg::Lock::Timeout=600)
install() { apt-get "${lock_wait[@]}" install -y --no-install-recommends prometheus >/dev/null 2>&1; }
install || { apt-get "${lock_wait[@]}" update >/dev/null 2>&1 && install; } || { echo "ensure-prometheus: apt-get install prometheus failed (no Debian mirror reachable?)" >&2; exit 2; }
have
