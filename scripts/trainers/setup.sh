#!/usr/bin/env bash
# Makes the Python venvs of the trainer test tier (npm run test:trainers): one per trainer, since LLaMA-Factory 0.9.5
# pins older transformers, datasets and trl than TRL 1.16 needs.
#
#   bash scripts/trainers/setup.sh [trl|llamafactory|axolotl ...]     (no names: all three)
#
# Each venv lives in $TUNEFILE_TRAINERS_CACHE (default ~/.cache/tunefile-trainers) as <name>-<hash>/, the hash being of
# scripts/trainers/requirements/<name>.txt (and <name>.post-install.sh, if any) and the Python version, so changing a
# pin makes a new venv and an unchanged one is reused (idempotent: a warm run only checks the marker files). A venv is
# complete once its .complete file exists; a half-built one (an interrupted run) is removed and built again, and a
# complete one of older pins (another hash) is removed once the new one is built.
#
# Install order, always: torch==2.13.0 first (the CPU build that lies on this machine's disk; any other torch is a
# multi-GB CUDA download), then the pinned file with --no-deps, so no dependency can ask pip for another torch, then
# requirements/<name>.post-install.sh if there is one (llamafactory: see there).
#
# Writes $TUNEFILE_TRAINERS_CACHE/venvs.json ({"trl": "<venv>/bin", ...}, read by test/trainers/helpers.ts) and env.sh
# (TUNEFILE_TRL_BIN=... and so on, for a shell: `source ~/.cache/tunefile-trainers/env.sh`).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
home="${TUNEFILE_TRAINERS_CACHE:-$HOME/.cache/tunefile-trainers}"
python="${PYTHON:-python3}"
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(trl llamafactory axolotl)
mkdir -p "$home"

pyversion="$("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"

# The venv folder of one trainer: <name>-<first 12 hex digits of sha256(its requirements files + python version)>.
venv_dir() {
  local hash
  hash="$( { cat "$here/requirements/$1.txt" "$here/requirements/$1".post-install.sh 2>/dev/null || true; echo "python $pyversion"; } | sha256sum | cut -c1-12)"
  echo "$home/$1-$hash"
}

# Builds one venv in place (venvs are not relocatable), logging to <venv>.log; the marker file is written last.
build_venv() {
  local name="$1" dir="$2" log="$2.log"
  # Concurrent setups (two worktrees, CI) wait for each other; the second finds the venv complete.
  exec 9>"$dir.lock"
  flock 9
  if [ -f "$dir/.complete" ]; then return 0; fi
  rm -rf "$dir"
  {
    "$python" -m venv "$dir"
    "$dir/bin/pip" install --disable-pip-version-check torch==2.13.0
    "$dir/bin/pip" install --disable-pip-version-check --no-deps -r "$here/requirements/$name.txt"
    if [ -f "$here/requirements/$name.post-install.sh" ]; then bash "$here/requirements/$name.post-install.sh" "$dir"; fi
    "$dir/bin/python" -c 'import torch; assert torch.__version__.startswith("2.13.0"), torch.__version__'
  } >"$log" 2>&1
  date -u +%Y-%m-%dT%H:%M:%SZ >"$dir/.complete"
  # Venvs of this trainer's older pins: 1.5 to 4.5 GB each.
  local old
  for old in "$home/$name"-????????????; do
    if [ "$old" != "$dir" ] && [ -d "$old" ]; then rm -rf "$old" "$old.log" "$old.lock"; fi
  done
}

started=$(date +%s)
pids=()
for name in "${names[@]}"; do
  [ -f "$here/requirements/$name.txt" ] || { echo "setup.sh: no scripts/trainers/requirements/$name.txt" >&2; exit 2; }
  dir="$(venv_dir "$name")"
  if [ -f "$dir/.complete" ]; then
    echo "setup.sh: $name: $dir (ready)"
    continue
  fi
  echo "setup.sh: $name: building $dir (log: $dir.log)"
  # Two cores: the installs are mostly downloads and unpacking, so the venvs build side by side.
  build_venv "$name" "$dir" &
  pids+=("$!:$name:$dir")
done

failed=0
for entry in "${pids[@]+"${pids[@]}"}"; do
  IFS=: read -r pid name dir <<<"$entry"
  if wait "$pid"; then
    echo "setup.sh: $name: built in $(( $(date +%s) - started )) s"
  else
    echo "setup.sh: $name: FAILED; the end of $dir.log:" >&2
    tail -n 30 "$dir.log" >&2 || true
    failed=1
  fi
done
[ "$failed" = 0 ] || exit 1

# venvs.json and env.sh name every complete venv of the current pins (not only the ones asked for this time).
json="{" sh="# Written by scripts/trainers/setup.sh: the bin/ folders of the trainer venvs."$'\n' sep=""
for name in trl llamafactory axolotl; do
  dir="$(venv_dir "$name")"
  [ -f "$dir/.complete" ] || continue
  json+="$sep\"$name\": \"$dir/bin\"" sep=", "
  sh+="export TUNEFILE_$(echo "$name" | tr '[:lower:]' '[:upper:]')_BIN='$dir/bin'"$'\n'
done
printf '%s}\n' "$json" >"$home/venvs.json.tmp" && mv "$home/venvs.json.tmp" "$home/venvs.json"
printf '%s' "$sh" >"$home/env.sh.tmp" && mv "$home/env.sh.tmp" "$home/env.sh"
echo "setup.sh: ready in $(( $(date +%s) - started )) s: $home/venvs.json"
