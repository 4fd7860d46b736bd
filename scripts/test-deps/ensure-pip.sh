#!/usr/bin/env bash
# Makes sure Debian's Python can `pip install sdk/python` offline (pip, and setuptools and wheel to
# build it without fetching a build backend), for the test that installs trainer_client as a user
# would, and prints that Python's path. TRAINER_TEST_PYTHON names another Python that has them.
# Installs Debian's python3-pip, python3-setuptools and python3-wheel when missing and this runs as
# root with apt; otherwise exits 2 saying why. Idempotent and serialized.
set -euo pipefail
python="${TRAINER_TEST_PYTHON:-/usr/bin/python3}"
has_pip() { [ -x "$python" ] && "$python" -m pip --version >/dev/null 2>&1 && "$python" -c 'import setuptools, wheel' >/dev/null 2>&1; }
if has_pip; then echo "$python"; exit 0; fi
[ -z "${TRAINER_TEST_PYTHON:-}" ] || { echo "ensure-pip: $python lacks pip, setuptools or wheel" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "ensure-pip: pip, setuptools or wheel is missing and installing them needs root (apt-get install python3-pip python3-setuptools python3-wheel)" >&2; exit 2; }
command -v apt-get >/dev/null 2>&1 || { echo "ensure-pip: pip is missing and there is no apt-get here; set TRAINER_TEST_PYTHON to a python with pip, setuptools and wheel" >&2; exit 2; }
exec 9>/tmp/trainer-ensure-pip.lock
flock 9
if has_pip; then echo "$python"; exit 0; fi
export DEBIAN_FRONTEND=noninteractive
packages=(python3-pip python3-setuptools python3-wheel)
apt-get install -y --no-install-recommends "${packages[@]}" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${packages[@]}" >/dev/null; }
has_pip || { echo "ensure-pip: installed ${packages[*]} but $python still lacks pip, setuptools or wheel" >&2; exit 2; }
echo "$python"
