"""Host side of the VM command channel (tests/vm/guest/vm-cmd is the guest side).

Connects to the unix socket qemu serves for the virtio-serial port org.bundle.cmd, sends one
command, and waits for its answer; prints the command's output and exits with its status.
Nothing sent before the guest's agent has the port open is sure to arrive (it is not running
yet, or restarting after the previous connection closed), so a probe (`true`) is sent first,
under a new id every second, until one is answered; then the command is sent once.
Exit 124 when TIMEOUT seconds pass without its answer, 125 when the socket cannot be reached.

Usage: python3 vm_cmd.py SOCKET TIMEOUT COMMAND
"""
import base64
import os
import select
import socket
import sys
import time


def main():
    path, timeout, command = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    resend = 1.0
    deadline = time.monotonic() + timeout
    probe = base64.b64encode(b"true").decode()
    encoded = base64.b64encode(command.encode()).decode()
    sock = None
    while sock is None:
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(path)
        except OSError as error:
            sock = None
            if time.monotonic() >= deadline:
                print(f"vm_cmd: cannot connect to {path}: {error}", file=sys.stderr)
                return 125
            time.sleep(0.5)
    probes = set()
    sent = 0
    ident = None  # the command's id, once a probe was answered
    outgoing = b""  # qemu stops reading the socket while the guest has the port closed
    buffer = b""
    next_probe = 0.0
    while True:
        now = time.monotonic()
        if now >= deadline:
            return 124
        if ident is None and not outgoing and now >= next_probe:
            sent += 1
            probes.add(f"{os.getpid()}p{sent}")
            outgoing = f"{os.getpid()}p{sent} {probe}\n".encode()
            next_probe = now + resend
        wait = max(0.05, min(deadline, next_probe if ident is None else deadline) - now)
        readable, writable, _ = select.select([sock], [sock] if outgoing else [], [], wait)
        if writable:
            outgoing = outgoing[sock.send(outgoing):]
        if not readable:
            continue
        data = sock.recv(65536)
        if not data:
            print("vm_cmd: qemu closed the socket", file=sys.stderr)
            return 125
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            words = line.decode(errors="replace").split(" ")
            if len(words) < 3 or words[0] != "@@vm-cmd":
                continue
            if ident is None and words[1] in probes:
                ident = f"{os.getpid()}c"
                outgoing += f"{ident} {encoded}\n".encode()
            elif words[1] == ident:
                output = base64.b64decode(words[3]) if len(words) > 3 else b""
                sys.stdout.buffer.write(output)
                sys.stdout.flush()
                return int(words[2])


if __name__ == "__main__":
    sys.exit(main())
