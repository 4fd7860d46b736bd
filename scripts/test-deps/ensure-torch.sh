#!/usr/bin/env bash
# Makes sure a Python with PyTorch and scikit-learn is there, for the tests that run real training
# scripts, and prints its path. Debian's python3-torch and python3-sklearn are for Debian's own
# /usr/bin/python3, which need not be the first python3 on PATH (pyenv, conda): TRAINER_TEST_PYTHON
# names another one that has them. Installs Debian's packages when missing and this runs as root with
# apt (about 2 minutes); otherwise exits 2 saying why. Idempotent and serialized (several test workers
# may ask at once).
set -euo pipefail
python="${TRAINER_TEST_PYTHON:-/usr/bin/python3}"
has_torch() { [ -x "$python" ] && "$python" -c 'import torch, sklearn' >/dev/null 2>&1; }
if has_torch; then echo "$python"; exit 0; fi
[ -z "${TRAINER_TEST_PYTHON:-}" ] || { echo "ensure-torch: $python cannot import torch and sklearn" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "ensure-torch: PyTorch is missing and installing it needs root (apt-get install python3-torch python3-sklearn)" >&2; exit 2; }
command -v apt-get >/dev/null 2>&1 || { echo "ensure-torch: PyTorch is missing and there is no apt-get here; set TRAINER_TEST_PYTHON to a python with torch and sklearn" >&2; exit 2; }
exec 9>/tmp/trainer-ensure-torch.lock
flock 9
if has_torch; then echo "$python"; exit 0; fi
export DEBIAN_FRONTEND=noninteractive
packages=(python3-torch python3-sklearn)
apt-get install -y --no-install-recommends "${packages[@]}" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${packages[@]}" >/dev/null; }
has_torch || { echo "ensure-torch: installed ${packages[*]} but $python still cannot import torch and sklearn" >&2; exit 2; }
echo "$python"
