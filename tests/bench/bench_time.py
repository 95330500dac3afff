#!/usr/bin/env python3
"""Times a command as format_bench.sh needs it: one untimed warm-up run, then --runs timed runs,
each preceded by an untimed --before shell command (to clear an output folder, or to flush dirty
pages left by the previous run so that they are not charged to the next one). Prints on stdout
the median wall time and the median CPU time (user + system of the command and its children), in
seconds, and every sample on stderr: on a shared, loaded machine the CPU time says what the work
costs when the wall time does not. Exits 1 if any run's status is not
--expect (default 0), so that a benchmark never quotes the time of a failure.

Usage: bench_time.py [--runs N] [--before SHELL] [--expect RC] [--label L] -- ARGV...
"""

import argparse
import resource
import statistics
import subprocess
import sys
import time


def run_once(argv, before, expect, label):
    if before:
        subprocess.run(["sh", "-c", before], check=True)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    if proc.returncode != expect:
        sys.stderr.write(proc.stderr.decode(errors="replace"))
        sys.exit(f"{label}: exit status {proc.returncode}, expected {expect}: {' '.join(argv)}")
    return elapsed, cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before", default="")
    parser.add_argument("--expect", type=int, default=0)
    parser.add_argument("--label", default="command")
    parser.add_argument("argv", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    if not argv or args.runs < 1:
        parser.error("need a command after -- and --runs >= 1")
    run_once(argv, args.before, args.expect, args.label)  # warm-up, untimed
    samples = [run_once(argv, args.before, args.expect, args.label) for _ in range(args.runs)]
    walls = [wall for wall, _ in samples]
    cpus = [cpu for _, cpu in samples]
    sys.stderr.write(f"  {args.label}: wall " + " ".join(f"{s:.3f}" for s in walls)
                     + " | cpu " + " ".join(f"{s:.3f}" for s in cpus) + "\n")
    print(f"{statistics.median(walls):.6f} {statistics.median(cpus):.6f}")


if __name__ == "__main__":
    main()
