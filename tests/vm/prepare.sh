#!/bin/sh
# What every VM test needs, made once before them (the CTest fixture "vm"): the VM image
# (tests/vm/image.sh, cached in WORK_DIR by the hash of its recipe) and the portable Release node
# agent, WORK_DIR/release/builder/bundle (lib.sh vm_agent; the sanitized test build cannot run on
# a stock Debian). The VM tests then take that agent as their BUNDLE argument, so two of them
# never build it at once. Exits 77 (skipped, and so are the tests that need it) without root or
# qemu.
# Usage: prepare.sh REPOSITORY WORK_DIR
set -u
repo=$(cd "$1" && pwd)
mkdir -p "$2" && work=$(cd "$2" && pwd)
vm_here=$repo/tests/vm
# shellcheck source=tests/vm/lib.sh
. "$vm_here/lib.sh"
if [ "$(id -u)" -ne 0 ]; then echo "ok - VM image and agent # SKIP needs root"; exit 77; fi
for tool in qemu-system-x86_64 qemu-img; do
  command -v "$tool" >/dev/null || { echo "ok - VM image and agent # SKIP $tool is not installed"; exit 77; }
done
started=$(date +%s)
sh "$vm_here/image.sh" "$work" >"$work/image.path" &
image_job=$!
# The agent compiles while debootstrap mostly waits on the disk and the mirror.
if ! vm_agent "$repo" "$work" ""; then
  echo "not ok - the portable Release agent (log: $work/release.log)"
  tail -n 30 "$work/release.log"
  kill "$image_job" 2>/dev/null
  wait "$image_job"
  exit 1
fi
wait "$image_job" || { echo "not ok - the VM image (tests/vm/image.sh)"; exit 1; }
echo "ok - VM image $(cat "$work/image.path"), node agent $bundle ($(($(date +%s) - started)) s)"
