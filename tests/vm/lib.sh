# The VM harness (issue 13), sourced by the tests in tests/vm/: starts Debian 12 VMs made by
# image.sh under qemu (TCG: no KVM here), each on a qcow2 overlay of the shared image, on one
# network that stays inside qemu (a multicast socket bound to loopback), and always stops them:
# an EXIT trap quits every VM it started, and each qemu gets SIGKILL from the kernel if the test's
# shell dies without running its traps (setpriv --pdeathsig), so no qemu outlives a run.
#
# Per VM, in $vm_dir/NAME/: disk.qcow2, serial.log (kernel and journal, the VM's first serial
# port), cmd.sock (the command channel, see vm_run), console.sock (a root shell on hvc0:
# `socat -,raw,echo=0 UNIX-CONNECT:console.sock`), monitor.sock (qemu's human monitor),
# started (the host's clock when qemu started, seconds since the epoch with fractions).
#
# Usage (in a test, after `. tests/vm/lib.sh`):
#   vm_init WORK_DIR                 the image (built once) and the traps; VMs live in WORK_DIR/vms
#   vm_start NAME N SEED_ISO         power on VM NAME with MAC 52:54:00:b0:00:0N (public address
#                                    203.0.113.(9+N), from the image) and SEED_ISO as its cdrom
#   vm_run NAME TIMEOUT COMMAND      run COMMAND (sh) in the VM; its output on stdout, its status
#   vm_stop NAME                     power it off (quit), and forget it
#   vm_begin SCENARIO REPO WORK_DIR [BINARY]
#                                    what every VM test starts with: its clock ($started), the
#                                    node agent (vm_agent), the image and the traps (vm_init);
#                                    then vm_verdict ok|FAILED EVIDENCE prints the scenario's one
#                                    line, and vm_give_up WHAT ends a run that cannot go on
#                                    (ok, not_ok and finish are tests/cli/harness.sh's)
# VM_MEMORY (MiB, default 1024), VM_CPUS (default 1), VM_NET_PORT (the multicast port, default
# from the shell's pid: tests running at once are on networks of their own) tune it;
# VM_IMAGE_WORK names the folder that keeps the image (default WORK_DIR), so that tests with work
# folders of their own share one image.
# shellcheck shell=sh

# The test sets vm_here (the folder of this file) before sourcing it: a sourced sh script cannot
# find its own path.
: "${vm_here:?set vm_here to the tests/vm folder before sourcing lib.sh}"
vm_pids=""
vm_names=""

vm_log() { echo "# vm: $*" >&2; }

# vm_init WORK_DIR: builds (or finds) the image and sets the traps.
vm_init() {
  mkdir -p "$1/vms" || return 1
  vm_work=$(cd "$1" && pwd)
  vm_dir=$vm_work/vms
  for tool in qemu-system-x86_64 qemu-img setpriv python3; do
    command -v "$tool" >/dev/null || { vm_log "$tool is not installed"; return 77; }
  done
  vm_image=$(sh "$vm_here/image.sh" "${VM_IMAGE_WORK:-$vm_work}") || return $?
  VM_NET_PORT=${VM_NET_PORT:-$((20000 + $$ % 20000))}
  trap vm_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
}

# vm_cleanup: stops every VM still running (the EXIT trap).
vm_cleanup() {
  for name in $vm_names; do vm_stop "$name"; done
  for pid in $vm_pids; do kill -KILL "$pid" 2>/dev/null; done
  vm_pids=""
}

# vm_start NAME N SEED_ISO [QEMU_ARGS...]
vm_start() {
  name=$1 n=$2 seed=$3
  shift 3
  d=$vm_dir/$name
  rm -rf "$d"
  mkdir -p "$d"
  qemu-img create -q -f qcow2 -F raw -b "$vm_image/disk.raw" "$d/disk.qcow2" || return 1
  date +%s.%N >"$d/started"
  setpriv --pdeathsig KILL -- qemu-system-x86_64 -accel tcg -machine pc -nodefaults -no-user-config \
    -display none -m "${VM_MEMORY:-1024}" -smp "${VM_CPUS:-1}" -name "$name" -rtc base=utc \
    -kernel "$vm_image/vmlinuz" -initrd "$vm_image/initrd.img" \
    -append "root=/dev/vda rw console=ttyS0,115200 systemd.show_status=1" \
    -drive "file=$d/disk.qcow2,if=virtio,format=qcow2" \
    -drive "file=$seed,media=cdrom,if=ide,readonly=on" \
    -netdev "socket,id=net0,mcast=230.0.0.1:$VM_NET_PORT,localaddr=127.0.0.1" \
    -device "virtio-net-pci,netdev=net0,mac=52:54:00:b0:00:0$n" \
    -chardev "file,id=serial0,path=$d/serial.log" -serial chardev:serial0 \
    -device virtio-serial-pci \
    -chardev "socket,id=cmd,path=$d/cmd.sock,server=on,wait=off" \
    -device virtserialport,chardev=cmd,name=org.bundle.cmd \
    -chardev "socket,id=con,path=$d/console.sock,server=on,wait=off" -device virtconsole,chardev=con \
    -monitor "unix:$d/monitor.sock,server=on,wait=off" \
    "$@" >"$d/qemu.log" 2>&1 &
  echo $! >"$d/pid"
  vm_pids="$vm_pids $!"
  vm_names="$vm_names $name"
  vm_log "$name started (pid $!, MAC 52:54:00:b0:00:0$n, serial log $d/serial.log)"
}

# vm_run NAME TIMEOUT COMMAND: COMMAND's output and status; 124 on timeout, 125 when the VM's
# channel cannot be reached. Waited for in the background, so that a TERM or INT stops the test
# (and its VMs) at once rather than when the command ends.
vm_run() {
  python3 "$vm_here/vm_cmd.py" "$vm_dir/$1/cmd.sock" "$2" "$3" &
  wait $!
}

# vm_monitor NAME COMMAND: one command to qemu's monitor (system_reset, quit, ...).
vm_monitor() {
  python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.argv[2].encode() + b"\n")
time.sleep(0.5); s.close()' "$vm_dir/$1/monitor.sock" "$2" >/dev/null 2>&1
}

# vm_stop NAME: quit qemu (the disk is an overlay: nothing to flush that a test keeps), then kill
# it if it has not gone within 5 s.
vm_stop() {
  d=$vm_dir/$1
  [ -f "$d/pid" ] || return 0
  pid=$(cat "$d/pid")
  vm_monitor "$1" quit
  i=0
  while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rm -f "$d/pid"
  # Forgotten, so that the EXIT trap never signals a pid the system has since given to another.
  vm_pids=$(echo "$vm_pids" | tr ' ' '\n' | grep -vx "$pid" | tr '\n' ' ')
  vm_names=$(echo "$vm_names" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
}

# vm_seconds NAME EPOCH: EPOCH (the VM's clock) as seconds since NAME was powered on (the
# host's clock), one decimal.
vm_seconds() {
  awk -v t="$2" -v s="$(cat "$vm_dir/$1/started")" 'BEGIN { printf "%.1f\n", t - s }'
}

# vm_agent REPO WORK_DIR [BINARY]: the node agent under test, as an absolute path in $bundle:
# BINARY when given, else a portable Release `bundle` built in WORK_DIR/release (its log in
# WORK_DIR/release.log). Non-zero when the build fails.
vm_agent() {
  agent_binary=$3
  if [ -n "$agent_binary" ] && [ ! -x "$agent_binary" ]; then
    echo "# vm: the node agent $agent_binary is not an executable file" >&2
    return 1
  fi
  if [ -z "$agent_binary" ]; then
    agent_binary=$2/release/builder/bundle
    cmake -S "$1" -B "$2/release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUNDLE_TESTS=OFF >"$2/release.log" 2>&1 &&
      cmake --build "$2/release" --target bundle >>"$2/release.log" 2>&1 || return 1
  fi
  bundle=$(cd "$(dirname "$agent_binary")" && pwd)/$(basename "$agent_binary")
  echo "# node agent: $bundle"
}

# The first-boot timeline: vm_timeline_labels are the points it reports, in order, separated by
# "|"; vm_pattern LABEL is the journal line that marks LABEL; vm_at NAME PATTERN gives the seconds
# from NAME's power-on to its first journal line matching PATTERN (the journal saved in
# $vm_dir/NAME/journal.txt), or "-" when there is none.
# shellcheck disable=SC2034 # read by the sourcing test
vm_timeline_labels="kernel|multi-user.target|cloud-init final stage|cloud-init done|bootstrap start|bundle found (seed volume)|obtain done|extract done|harden done|mesh done|k3s done|addons done|health done|install complete"
vm_pattern() {
  case $1 in
    kernel) echo 'kernel: Linux version' ;;
    multi-user.target) echo 'Reached target .*Multi-User' ;;
    "cloud-init final stage") echo 'cloud-init.*running .modules:final' ;;
    "cloud-init done") echo 'Cloud-init v\. .* finished at' ;;
    "bootstrap start") echo 'Start(ing|ed) .*bundle-bootstrap|Start(ing|ed) bundle node bootstrap' ;;
    "bundle found (seed volume)") echo 'bundle found on the seed volume' ;;
    "install complete") echo 'bundle node: install: complete' ;;
    *) echo "bundle node: ${1% done}: done" ;;
  esac
}
vm_at() {
  t=$(grep -m 1 -E -- "$2" "$vm_dir/$1/journal.txt" | cut -d ' ' -f 1)
  if [ -n "$t" ]; then vm_seconds "$1" "$t"; else echo -; fi
}

# vm_begin SCENARIO REPO WORK_DIR [BINARY]: exits 77 without qemu, and through vm_give_up when the
# agent or the image cannot be had.
vm_begin() {
  vm_scenario=$1
  started=$(date +%s)
  vm_agent "$2" "$3" "${4:-}" || vm_give_up "portable Release build (log: $3/release.log)"
  vm_init "$3"
  vm_status=$?
  if [ "$vm_status" -eq 77 ]; then echo "ok - $vm_scenario # SKIP qemu is not installed"; exit 77; fi
  [ "$vm_status" -eq 0 ] || vm_give_up "the VM image (tests/vm/image.sh)"
  ok "VM image $vm_image"
}
vm_verdict() { echo "$vm_scenario $1 $2 $(($(date +%s) - started)) seconds"; }
vm_give_up() {
  not_ok "$1"
  vm_verdict FAILED "$1"
  finish
  exit 1
}
