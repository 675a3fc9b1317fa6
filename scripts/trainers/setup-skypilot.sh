#!/usr/bin/env bash
# Makes (once) a Python venv with a pinned SkyPilot for the trainer tier, and prints its folder as the last line:
#   ~/.cache/tunefile-trainers/skypilot-<hash>/   (bin/sky, bin/python)
# <hash> covers the pinned version and the Python's version, so a new pin makes a new venv (and, once it is made,
# removes the venvs of older pins). Idempotent: a venv that finished installing (it holds .complete) is reused; a
# half-made one is made again. Concurrent callers wait for each other (flock). pip's output goes to <venv>.log.
# SkyPilot needs no torch; nothing here installs one. SkyPilot rsyncs file mounts, so rsync must be on PATH
# (Debian: apt-get install rsync). Override the cache with TUNEFILE_TRAINERS_CACHE and the interpreter with PYTHON.
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
  echo "setup-skypilot.sh: building $venv (log: $venv.log)" >&2
  { "$PYTHON" -m venv "$venv" && "$venv/bin/pip" install --disable-pip-version-check "$spec" && "$venv/bin/sky" --version; } >"$venv.log" 2>&1 \
    || { tail -20 "$venv.log" >&2; exit 1; }
  date -u +%Y-%m-%dT%H:%M:%SZ >"$venv/.complete"
  for old in "$cache"/skypilot-????????????; do
    if [ "$old" != "$venv" ] && [ -d "$old" ]; then rm -rf "$old" "$old.log" "$old.lock"; fi
  done
fi
echo "$venv"
