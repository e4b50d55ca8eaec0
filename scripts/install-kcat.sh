#!/usr/bin/env bash
# Makes Debian's `kcat` (the librdkafka command-line client) available for the io benchmark, which
# compares streamlearn's Kafka sink and source with it. Used only by benchmarks, never by the product.
# Prints the kcat path on stdout. Exit 3: it cannot be installed here (no apt-get, or not root and no sudo).
set -euo pipefail
if command -v kcat >/dev/null 2>&1; then
  command -v kcat
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "kcat is not installed and there is no apt-get to install it with (Debian package: kcat)" >&2
  exit 3
fi
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "kcat is not installed, and installing it needs root: run 'apt-get install -y kcat' as root" >&2
  exit 3
fi
# The package lists may be missing or stale on a fresh machine; refresh them only when the install fails.
if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kcat >&2; then
  "${as_root[@]}" apt-get update -qq >&2
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kcat >&2
fi
command -v kcat
