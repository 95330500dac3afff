#!/usr/bin/env bash
# fetch_bench.sh: parallel fetch from a rate-limited loopback nginx (limit_rate per connection,
# as a real CDN or mirror throttles one connection) against sequential `curl -o` of the same
# files, in the same run; then the warm-cache case (a second run over the same cache).
#
# Usage: tests/bench/fetch_bench.sh [BUNDLE] [--files N] [--mib N] [--rate R] [--jobs N] [--runs N]
#                                   [--quick]
#
#   BUNDLE    the bundle binary, default build/release/builder/bundle (a Release build). It runs
#             `bundle fetch --image F --locked` on a definition of N url artifacts, into an empty
#             cache each run, after `bundle lock` wrote the lock once.
#   --files N number of files, default 8
#   --mib N   size of each file in MiB, default 64
#   --rate R  nginx limit_rate per connection, default 50m
#   --jobs N  bundle fetch --jobs, default 8 (bundle's default). With equal files and a
#             per-connection limit the ideal ratio is files / ceil(files / jobs): 4x for 8 files
#             and 6 jobs, 8x with 8 jobs.
#   --runs N  timed runs per figure (the median is quoted), default 3
#   --quick   4 files of 16 MiB, 3 runs
#
# Prints medians and the ratio (target: bundle fetch at least 5x faster than sequential curl),
# and the warm-cache time (target: under 1 s, with no request reaching nginx). It exits 0 whether
# targets are met or not, and non-zero only when something broke. Only 127.0.0.1 is contacted.
set -euo pipefail

die() { echo "fetch_bench: $*" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bundle_bin="" files=8 mib=64 rate=50m runs=3 jobs=8
while [ $# -gt 0 ]; do
    case $1 in
        --files) [ $# -ge 2 ] || die "--files needs a value"; files=$2; shift 2 ;;
        --mib) [ $# -ge 2 ] || die "--mib needs a value"; mib=$2; shift 2 ;;
        --rate) [ $# -ge 2 ] || die "--rate needs a value"; rate=$2; shift 2 ;;
        --runs) [ $# -ge 2 ] || die "--runs needs a value"; runs=$2; shift 2 ;;
        --jobs) [ $# -ge 2 ] || die "--jobs needs a value"; jobs=$2; shift 2 ;;
        --quick) files=4; mib=16; runs=3; shift ;;
        -h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) die "unknown option $1 (see --help)" ;;
        *) [ -z "$bundle_bin" ] || die "more than one bundle binary given"; bundle_bin=$1; shift ;;
    esac
done
for n in "$files" "$mib" "$runs" "$jobs"; do
    case $n in '' | *[!0-9]* | 0) die "counts are whole numbers >= 1" ;; esac
done
[ -n "$bundle_bin" ] || bundle_bin=$repo/build/release/builder/bundle
[ -x "$bundle_bin" ] || die "no bundle binary at $bundle_bin (cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release && cmake --build build/release --target bundle)"
for tool in curl sha256sum python3 awk head /usr/sbin/nginx; do
    command -v "$tool" >/dev/null || die "$tool is missing"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/fetch-bench.XXXXXX")
nginx_url=""  # set by start_nginx
# shellcheck source=tests/cli/servers.sh disable=SC1091
. "$repo/tests/cli/servers.sh"
cleanup() {
    stop_servers
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/www"
start_nginx "$work/nginx" "$work/www" "$rate" || die "nginx did not start"
echo "fetch_bench: generating $files files of $mib MiB" >&2
: >"$work/list"
for i in $(seq 1 "$files"); do
    head -c $((mib * 1048576)) /dev/urandom >"$work/www/file$i"
    sum=$(sha256sum "$work/www/file$i" | awk '{print $1}')
    echo "$nginx_url/file$i $sum $((mib * 1048576))" >>"$work/list"
done
requests() { wc -l <"$work/nginx/access.log"; }

# The image definition: one url artifact per file, pinned inline; `bundle lock` writes its lock once
# (into a cache of its own, removed), and every timed run is `bundle fetch --locked`.
{
    printf 'apiVersion: bundle/v1\nkind: Image\nname: fetchbench\nversion: 1\narch: amd64\nartifacts:\n'
    i=0
    while read -r url sum _; do
        i=$((i + 1))
        printf '  - name: file%s\n    url: %s\n    sha256: %s\n    dest: data/file%s\n' "$i" "$url" "$sum" "$i"
    done <"$work/list"
} >"$work/fetchbench.yaml"
"$bundle_bin" lock --image "$work/fetchbench.yaml" --cache "$work/lock-cache" --quiet >/dev/null || die "bundle lock failed"
rm -rf "$work/lock-cache"
fetch() {
    "$bundle_bin" fetch --image "$work/fetchbench.yaml" --locked --cache "$work/cache" --jobs "$jobs" --quiet >/dev/null ||
        die "bundle fetch failed"
}

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

curl_times=() bundle_times=() warm_times=() warm_requests=()
for run in $(seq 1 "$runs"); do
    rm -rf "$work/curl"; mkdir -p "$work/curl"
    start=$(now)
    while read -r url _ _; do curl -sS --fail -o "$work/curl/$(basename "$url")" "$url"; done <"$work/list"
    curl_times+=("$(awk -v a="$start" -v b="$(now)" 'BEGIN {print b - a}')")
    rm -rf "$work/curl"

    rm -rf "$work/cache"
    start=$(now)
    fetch
    bundle_times+=("$(awk -v a="$start" -v b="$(now)" 'BEGIN {print b - a}')")

    before=$(requests)
    start=$(now)
    fetch
    warm_times+=("$(awk -v a="$start" -v b="$(now)" 'BEGIN {print b - a}')")
    warm_requests+=("$(($(requests) - before))")
    echo "fetch_bench: run $run: curl ${curl_times[-1]} s, bundle fetch ${bundle_times[-1]} s, warm ${warm_times[-1]} s (${warm_requests[-1]} requests)" >&2
done

curl_median=$(printf '%s\n' "${curl_times[@]}" | median)
bundle_median=$(printf '%s\n' "${bundle_times[@]}" | median)
warm_median=$(printf '%s\n' "${warm_times[@]}" | median)
warm_max_requests=$(printf '%s\n' "${warm_requests[@]}" | sort -n | tail -1)
ratio=$(awk -v a="$curl_median" -v b="$bundle_median" 'BEGIN {printf "%.2f", a / b}')
verdict() { if awk -v v="$1" -v t="$2" 'BEGIN {exit !(v >= t)}'; then echo MET; else echo MISSED; fi; }

echo "fetch from loopback nginx, $files x $mib MiB, limit_rate $rate per connection, median of $runs runs"
echo "  sequential curl -o:   $curl_median s"
echo "  bundle fetch --jobs $jobs: $bundle_median s"
echo "  ratio:                ${ratio}x (target >= 5x: $(verdict "$ratio" 5))"
warm_ok=MISSED
if awk -v w="$warm_median" 'BEGIN {exit !(w < 1)}' && [ "$warm_max_requests" = 0 ]; then warm_ok=MET; fi
echo "  warm cache:           $warm_median s, $warm_max_requests requests (target < 1 s and none: $warm_ok)"
