#!/usr/bin/env bash
# Makes (once) a Python venv with a pinned SkyPilot for the trainer tier, and prints its folder as the last line:
#   ~/.cache/tunefile-trainers/skypilot-<hash>/   (bin/sky, bin/python)
# <hash> covers the pinned version and the Python's version, so a new pin makes a new venv. Idempotent: a venv
# that finished installing (it holds .complete) is reused; a half-made one is made again. Concurrent callers wait
# for each other (flock). SkyPilot needs no torch; nothing here installs one. SkyPilot rsyncs file mounts, so
# rsync must be on PATH (Debian: apt-get install rsync). Override the cache with TUNEFILE_TRAINERS_CACHE and the
# interpreter with PYTHON.
set -euo pipefail

SKYPILOT_VERSION=0.14.1
PYTHON=${PYTHON:-python3}

command -v rsync >/dev/null || { echo "setup-skypilot.sh: SkyPilot needs rsync on PATH (Debian: apt-get install rsync)" >&2; exit 1; }
spec="skypilot==$SKYPILOT_VERSION"
python_version=$("$PYTHON" -c 'import sys; print(".".join(map(str, sys.version_info[:3])))')
hash=$(printf '%s\npython %s\n' "$spec" "$python_version" | sha256sum | cut -c1-12)
cache=${TUNEFILE_TRAINERS_CACHE:-$HOME/.cache/tunefile-trainers}
venv="$cache/skypilot-$hash"
mkdir -p "$cache"
exec 9>"$venv.lock"
flock 9
if [ ! -f "$venv/.complete" ]; then
  rm -rf "$venv"
  "$PYTHON" -m venv "$venv"
  # pip's own warnings go to a log beside the venv; it is shown when the install fails.
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$spec" >"$venv.install.log" 2>&1 || { tail -20 "$venv.install.log" >&2; exit 1; }
  "$venv/bin/sky" --version >&2
  touch "$venv/.complete"
fi
echo "$venv"
