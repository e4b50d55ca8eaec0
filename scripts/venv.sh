#!/usr/bin/env bash
# Creates (or reuses) a project-local Python venv for one group of peer libraries, used only by
# benchmarks, dataset export and the Python reader tests (group `reader`: only the three light packages
# clients/python needs), never by the product: .cache/venv/<group>, from bench/python/requirements-<group>.txt.
# Usage: scripts/venv.sh <group>   → prints the venv's python path on stdout.
set -euo pipefail
group=${1:?usage: scripts/venv.sh <group> (one of: $(ls "$(dirname "$0")/../bench/python" | sed -n 's/^requirements-\(.*\)\.txt$/\1/p' | tr '\n' ' '))}
root=$(cd "$(dirname "$0")/.." && pwd)
requirements="$root/bench/python/requirements-$group.txt"
[ -f "$requirements" ] || { echo "no $requirements" >&2; exit 2; }
venv="${STREAMLEARN_CACHE_DIR:-$root/.cache}/venv/$group"
stamp="$venv/.requirements"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
# Reinstall only when the requirements file changed since the last install.
if ! cmp -s "$requirements" "$stamp"; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
  cp "$requirements" "$stamp"
fi
echo "$venv/bin/python"
