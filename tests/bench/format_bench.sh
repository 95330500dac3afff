#!/usr/bin/env bash
# format_bench.sh: how fast `bundle` verifies, extracts and builds, against the tools a user would
# otherwise script (sha256sum, tar), on the same synthetic data, in the same run.
#
# Usage: tests/bench/format_bench.sh [BUNDLE_BINARY] [--size-gib N] [--runs N] [--quick] [--memory]
#
#   BUNDLE_BINARY  default: build/release/builder/bundle in this repository
#   --size-gib N   size of the large members together (eight of N*128 MiB), default 1
#   --runs N       timed runs per figure (the median is quoted), default 5
#   --quick        256 MiB smoke run (eight 32 MiB members), 3 runs unless --runs is given
#   --memory       also measure peak memory on a 4 GiB bundle (needs about 9 GiB of free disk)
#
# Every figure is the median of --runs runs after one untimed warm-up run, with the page cache
# warm (inputs are read from memory, not disk). Before each run, dirty pages left by the previous
# one are flushed (`sync`, untimed) so that one command's writeback is not charged to the next.
# The disk's floor (`dd conv=fsync` of the bundle's bytes) is timed too: a synced extract cannot
# finish sooner, which bounds the synced ratio on a slow disk whatever the cores do.
# It prints figures and MET/MISSED per target; it exits 0 whether targets are met or not, and
# non-zero only when something broke (a command failed, a tool is missing).
# shellcheck disable=SC2016  # the `sh -c '...' sh ARGS` scripts expand their own "$1", on purpose
set -euo pipefail

die() { echo "format_bench: $*" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin="" size_gib=1 runs="" quick=0 memory=0
while [ $# -gt 0 ]; do
    case $1 in
        --size-gib) [ $# -ge 2 ] || die "--size-gib needs a value"; size_gib=$2; shift 2 ;;
        --runs) [ $# -ge 2 ] || die "--runs needs a value"; runs=$2; shift 2 ;;
        --quick) quick=1; shift ;;
        --memory) memory=1; shift ;;
        -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) die "unknown option $1 (see --help)" ;;
        *) [ -z "$bin" ] || die "more than one binary given"; bin=$1; shift ;;
    esac
done
case $size_gib in '' | *[!0-9]* | 0) die "--size-gib takes a whole number >= 1" ;; esac
if [ -z "$runs" ]; then
    if [ "$quick" = 1 ]; then runs=3; else runs=5; fi
fi
case $runs in '' | *[!0-9]* | 0) die "--runs takes a whole number >= 1" ;; esac
[ "$size_gib" -ge 4 ] && memory=1
[ -n "$bin" ] || bin=$repo/build/release/builder/bundle
[ -x "$bin" ] || die "no bundle binary at $bin (give its path as the first argument)"
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

for tool in sha256sum openssl tar python3 xargs df nproc awk sync dd; do
    command -v "$tool" >/dev/null || die "$tool is missing"
done
if [ ! -x /usr/bin/time ]; then
    echo "format_bench: installing GNU time (/usr/bin/time)" >&2
    if [ "$(id -u)" = 0 ]; then apt-get install -y -qq time >/dev/null || die "cannot install package time"
    else die "/usr/bin/time is missing: apt-get install time"; fi
fi

jobs=$(nproc)
mib=1048576
if [ "$quick" = 1 ]; then member_mib=32; else member_mib=$((size_gib * 128)); fi
work=$(mktemp -d "${TMPDIR:-/tmp}/format-bench.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
timer=(python3 "$here/bench_time.py" --runs "$runs")
export SOURCE_DATE_EPOCH=1700000000

free_gib() { df -Pk "$work" | awk 'NR == 2 { printf "%d", $4 / 1048576 }'; }
need_gib=$(( (3 * member_mib * 8 + 1023) / 1024 + 1 ))
[ "$(free_gib)" -ge "$need_gib" ] || die "needs about $need_gib GiB free under $work, has $(free_gib) GiB"

# --- synthetic data ---------------------------------------------------------------------------
# src/ mirrors the bundle's layout (data/bigN.bin, payload/...), so that one checksum file serves
# both the source tree and an extracted tree.
make_dataset() {  # DIR NAME MEMBER_MIB: eight random members, 1000 small files, an image definition
    local dir=$1 name=$2 each=$(($3 * mib)) i
    mkdir -p "$dir/data" "$dir/payload"
    for i in 0 1 2 3 4 5 6 7; do
        if [ "$each" -lt 2147483648 ]; then openssl rand -out "$dir/data/big$i.bin" "$each"
        else head -c "$each" /dev/urandom >"$dir/data/big$i.bin"; fi
    done
    python3 - "$dir/payload" <<'EOF'
import os, random, sys
rng = random.Random(1)
for i in range(1000):
    d = os.path.join(sys.argv[1], f"d{i % 10}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i:04d}.bin"), "wb") as f:
        f.write(os.urandom(rng.randint(1024, 16384)))
EOF
    write_image "$dir/$name.yaml" "$name" 0 1 2 3 4 5 6 7
}
write_image() {  # FILE NAME MEMBER_NUMBERS...
    local file=$1 name=$2 i
    shift 2
    {
        printf 'apiVersion: bundle/v1\nkind: Image\nname: %s\nversion: 1\narch: amd64\nartifacts:\n' "$name"
        for i in "$@"; do
            printf '  - name: big%s\n    path: data/big%s.bin\n    dest: data/big%s.bin\n    mode: "0644"\n' \
                "$i" "$i" "$i"
        done
        printf 'payload: payload/\n'
    } >"$file"
}
kib_of() { du -sk --apparent-size "$@" | awk '{ s += $1 } END { printf "%d", s }'; }

echo "format_bench: generating data in $work (8 x $member_mib MiB + 1000 small files)" >&2
src=$work/src
make_dataset "$src" bench "$member_mib"
write_image "$src/quarter.yaml" quarter 0 1  # same files, a quarter of the size: memory vs size
(cd "$src" && find data payload -type f -exec sha256sum {} + >"$work/sums.txt")
(cd "$src" && find data -type f -print0 | sort -z >"$work/big.list" &&
    find payload -type f -print0 | sort -z >"$work/small.list")
data_bytes=$(( $(kib_of "$src/data" "$src/payload") * 1024 ))
data_gib=$(awk -v b="$data_bytes" 'BEGIN { printf "%.2f", b / 2^30 }')

"$bin" keygen --out "$work/key" >/dev/null 2>&1
key=$work/key/bundle.key pub=$work/key/bundle.pub
"$bin" build --image "$src/bench.yaml" --out "$work/dist" --key "$key" --quiet >/dev/null
"$bin" build --image "$src/quarter.yaml" --out "$work/dist" --key "$key" --quiet >/dev/null
bundle=$work/dist/bench-1.bundle quarter=$work/dist/quarter-1.bundle
if [ ! -f "$bundle" ] || [ ! -f "$quarter" ]; then die "bundle build did not produce $bundle"; fi
bundle_bytes=$(stat -c %s "$bundle")

# --- measurement helpers ----------------------------------------------------------------------
declare -A med cpu  # figure -> median wall seconds, median CPU seconds (user + system)
log=$work/samples.txt
measure() {  # KEY [bench_time options] -- ARGV...
    local key=$1 out
    shift
    out=$("${timer[@]}" --label "$key" "$@" 2>>"$log") || { cat "$log" >&2; die "$key failed"; }
    med[$key]=${out% *} cpu[$key]=${out#* }
}
peak_kib() {  # ARGV...: maximum resident set size of one run, in KiB
    local out=$work/time-v.txt
    /usr/bin/time -v "$@" >/dev/null 2>"$out" || { cat "$out" >&2; die "$* failed"; }
    awk -F': ' '/Maximum resident set size/ { print $2 }' "$out"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
verdict() { awk -v ok="$1" 'BEGIN { print (ok ? "MET" : "MISSED") }'; }
small_n=$(( (1000 + 4 * jobs - 1) / (4 * jobs) ))
flush="sync"

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo "format_bench: timing ($runs runs each, after one warm-up run)" >&2
# verify
measure verify --before "$flush" -- "$bin" verify "$bundle" --pubkey "$pub" --quiet
measure sha_seq --before "$flush" -- sh -c 'cd "$1" && sha256sum -c --quiet "$2"' sh "$src" "$work/sums.txt"
measure sha_par --before "$flush" -- sh -c 'cd "$1" && xargs -0 -P "$2" -n 1 sha256sum <"$3" >/dev/null &&
    xargs -0 -P "$2" -n "$4" sha256sum <"$5" >/dev/null' sh "$src" "$jobs" "$work/big.list" "$small_n" "$work/small.list"
measure verify_j1 --before "$flush" -- "$bin" verify "$bundle" --pubkey "$pub" --quiet --jobs 1
measure verify_j2 --before "$flush" -- "$bin" verify "$bundle" --pubkey "$pub" --quiet --jobs 2
if [ "$jobs" -gt 2 ]; then
    measure verify_jn --before "$flush" -- "$bin" verify "$bundle" --pubkey "$pub" --quiet --jobs "$jobs"
fi
measure verify_quarter --before "$flush" -- "$bin" verify "$quarter" --pubkey "$pub" --quiet
openssl_kbs=$(openssl speed -evp sha256 -bytes 1048576 -seconds 2 2>/dev/null | awk '/^sha256/ { v = $NF } END { sub(/k$/, "", v); print v }')
limit_bps=$(awk -v k="$openssl_kbs" -v n="$jobs" 'BEGIN { printf "%.0f", k * 1000 * n }')

# extract
x=$work/x
measure extract --before "rm -rf '$x' && $flush" -- "$bin" extract "$bundle" --to "$x" --pubkey "$pub" --quiet
measure tar_x_sha --before "rm -rf '$x' && mkdir '$x' && $flush" -- \
    sh -c 'tar -xf "$1" -C "$2" && cd "$2" && sha256sum -c --quiet "$3"' sh "$bundle" "$x" "$work/sums.txt"
measure extract_nosync --before "rm -rf '$x' && $flush" -- "$bin" extract "$bundle" --to "$x" --pubkey "$pub" --quiet --no-sync
measure tar_x_sha_sync --before "rm -rf '$x' && mkdir '$x' && $flush" -- \
    sh -c 'tar -xf "$1" -C "$2" && cd "$2" && sha256sum -c --quiet "$3" && sync -f .' sh "$bundle" "$x" "$work/sums.txt"
measure tar_x --before "rm -rf '$x' && mkdir '$x' && $flush" -- tar -xf "$bundle" -C "$x"
measure tar_x_sync --before "rm -rf '$x' && mkdir '$x' && $flush" -- \
    sh -c 'tar -xf "$1" -C "$2" && sync -f "$2"' sh "$bundle" "$x"
# The disk's floor for a synced extract: the same bytes written as one sequential file and synced,
# with nothing to check. No synced extract can finish sooner than the disk takes to store them.
measure disk_floor --before "rm -rf '$x' && mkdir '$x' && $flush" -- \
    dd if="$bundle" of="$x/floor.bin" bs=1M conv=fsync status=none
rm -rf "$x"

# build
out=$work/out
measure build --before "rm -rf '$out' && $flush" -- \
    "$bin" build --image "$src/bench.yaml" --out "$out" --key "$key" --quiet
measure tar_c_sha --before "rm -rf '$out' && mkdir '$out' && $flush" -- \
    sh -c 'tar -cf "$2/bench.tar" -C "$1" data payload && cd "$1" && find data payload -type f -exec sha256sum {} + >/dev/null' \
    sh "$src" "$out"
measure tar_c_sha_sync --before "rm -rf '$out' && mkdir '$out' && $flush" -- \
    sh -c 'tar -cf "$2/bench.tar" -C "$1" data payload && cd "$1" && find data payload -type f -exec sha256sum {} + >/dev/null && sync -f "$2"' \
    sh "$src" "$out"
rm -rf "$out"

# tampered signature
cp "$bundle" "$work/tampered.bundle"
python3 "$here/flip_signature_byte.py" "$work/tampered.bundle" >/dev/null
measure tampered --expect 10 -- "$bin" verify "$work/tampered.bundle" --pubkey "$pub" --quiet
rm -f "$work/tampered.bundle"

# peak memory: one run each (the peak does not vary from run to run as times do)
echo "format_bench: peak memory" >&2
declare -A rss  # "verify SIZE" / "extract SIZE" -> KiB
mem_sizes=()
memory_point() {  # LABEL BUNDLE
    rss["verify $1"]=$(peak_kib "$bin" verify "$2" --pubkey "$pub" --quiet)
    rm -rf "$x"
    rss["extract $1"]=$(peak_kib "$bin" extract "$2" --to "$x" --pubkey "$pub" --quiet)
    rm -rf "$x"
    mem_sizes+=("$1")
}
size_label() { awk -v b="$(stat -c %s "$1")" 'BEGIN { if (b < 2^30) printf "%d MiB", b / 2^20 + 0.5; else printf "%.1f GiB", b / 2^30 }'; }
memory_point "$(size_label "$quarter")" "$quarter"
memory_point "$(size_label "$bundle")" "$bundle"
mem_note=""
if [ "$memory" = 1 ] && [ "$member_mib" -lt 512 ]; then
    need=$(( 4 + 4 + 1 ))  # data, then the bundle (data removed), then the extracted tree
    if [ "$(free_gib)" -ge "$need" ]; then
        echo "format_bench: generating the 4 GiB data set for the memory figure" >&2
        make_dataset "$work/src4" bench4 512
        "$bin" build --image "$work/src4/bench4.yaml" --out "$work/dist4" --key "$key" --quiet >/dev/null
        rm -rf "$work/src4"
        memory_point "$(size_label "$work/dist4/bench4-1.bundle")" "$work/dist4/bench4-1.bundle"
        rm -rf "$work/dist4"
    else
        mem_note="4 GiB point SKIPPED: needs about $need GiB free under $work, has $(free_gib) GiB"
    fi
elif [ "$memory" = 0 ]; then
    mem_note="4 GiB point not measured (give --memory or --size-gib 4; needs about 9 GiB of disk)"
fi

# --- report -----------------------------------------------------------------------------------
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
row() {  # LABEL KEY [BYTES]: median wall seconds, GiB/s of the data, median CPU seconds
    awk -v l="$1" -v s="${med[$2]}" -v c="${cpu[$2]}" -v b="${3:-$data_bytes}" \
        'BEGIN { printf "  %-46s %8.3f %7.2f %8.3f\n", l, s, b / s / 2^30, c }'
}
echo
echo "bundle format benchmark: $(basename "$bin") at $bin"
echo "  machine: $jobs cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(uname -r)"
echo "  data: 8 x $member_mib MiB random members + 1000 files of 1-16 KiB = $data_bytes bytes ($data_gib GiB);"
echo "        bundle $bundle_bytes bytes; median of $runs runs after one untimed warm-up run;"
echo "        page cache warm (all inputs in memory); dirty pages flushed (sync, untimed) before each run"
echo "  load average (1/5/15 min): $load_start before timing, $load_end after, on $jobs cores$(awk -v l="${load_end%% *}" -v n="$jobs" 'BEGIN { if (l > n / 2) printf ": LOADED, wall times are inflated, compare CPU times too" }')"
echo
printf '  %-46s %8s %7s %8s\n' "figure (GiB/s of the $data_gib GiB of data)" "wall s" "GiB/s" "CPU s"
row "bundle verify (jobs=$jobs)" verify
row "sha256sum -c, sequential" sha_seq
row "sha256sum, xargs -P $jobs" sha_par
row "bundle verify --jobs 1" verify_j1
row "bundle verify --jobs 2" verify_j2
[ "$jobs" -gt 2 ] && row "bundle verify --jobs $jobs" verify_jn
row "bundle verify, quarter-size bundle" verify_quarter "$(stat -c %s "$quarter")"
awk -v l="SHA-256 limit: openssl speed 1 thread x $jobs" -v bps="$limit_bps" -v b="$data_bytes" -v n="$jobs" \
    'BEGIN { printf "  %-46s %8.3f %7.2f %8.3f\n", l, b / bps, bps / 2^30, n * b / bps }'
row "bundle extract (verify + write + syncfs)" extract
row "tar -xf + sha256sum -c" tar_x_sha
row "bundle extract --no-sync (verify + write)" extract_nosync
row "tar -xf + sha256sum -c + sync -f" tar_x_sha_sync
row "tar -xf alone (no sync, no check)" tar_x
row "tar -xf + sync -f (no check)" tar_x_sync
row "disk floor: dd conv=fsync of the bundle's bytes" disk_floor "$bundle_bytes"
row "bundle build (fsyncs the bundle)" build
row "tar -cf + sha256sum of the inputs" tar_c_sha
row "tar -cf + sha256sum + sync -f" tar_c_sha_sync
awk -v s="${med[tampered]}" -v c="${cpu[tampered]}" \
    'BEGIN { printf "  %-46s %8.3f %7s %8.3f  (%.1f ms wall)\n", "bundle verify, one signature byte changed", s, "-", c, s * 1000 }'
echo
printf '  %-20s %14s %14s\n' "peak RSS (MiB)" "bundle verify" "bundle extract"
for s in "${mem_sizes[@]}"; do
    awk -v l="$s" -v v="${rss["verify $s"]}" -v e="${rss["extract $s"]}" 'BEGIN { printf "  %-20s %14.1f %14.1f\n", l, v / 1024, e / 1024 }'
done
[ -n "$mem_note" ] && echo "  $mem_note"

echo
echo "targets:"
r=$(ratio "${med[sha_seq]}" "${med[verify]}")
echo "  verify: ${r}x faster than sha256sum -c (target >= 6x): $(verdict "$(awk -v r="$r" 'BEGIN { print (r >= 6) }')")" \
    "[CPU time: sha256sum uses $(ratio "${cpu[sha_seq]}" "${cpu[verify]}")x bundle's]"
# Like for like: neither side flushes to disk, then both do.
r=$(ratio "${med[tar_x_sha]}" "${med[extract_nosync]}")
echo "  extract --no-sync: ${r}x faster than tar -xf + sha256sum -c (target >= 5x): $(verdict "$(awk -v r="$r" 'BEGIN { print (r >= 5) }')")" \
    "[CPU time: $(ratio "${cpu[tar_x_sha]}" "${cpu[extract_nosync]}")x bundle's]"
r=$(ratio "${med[tar_x_sha_sync]}" "${med[extract]}")
echo "  extract (synced, the default): ${r}x faster than tar -xf + sha256sum -c + sync -f (target >= 5x): $(verdict "$(awk -v r="$r" 'BEGIN { print (r >= 5) }')")" \
    "[CPU time: $(ratio "${cpu[tar_x_sha_sync]}" "${cpu[extract]}")x bundle's]"
# Why the synced pair can miss on a slow disk: bundle extract cannot beat the disk's floor, so its
# ratio cannot exceed (synced pipeline / floor) however fast the cores are.
echo "    the disk bounds the synced pair: bundle extract takes $(ratio "${med[extract]}" "${med[disk_floor]}")x the disk's own" \
    "synced write of the same bytes (dd conv=fsync, $(awk -v b="$bundle_bytes" -v s="${med[disk_floor]}" 'BEGIN { printf "%.0f MB/s", b / s / 1e6 }'));" \
    "at that floor the synced ratio could be at most $(ratio "${med[tar_x_sha_sync]}" "${med[disk_floor]}")x on this disk"
max_kib=0 first="${mem_sizes[0]}" last="${mem_sizes[${#mem_sizes[@]}-1]}" flat=1 growth=""
for s in "${mem_sizes[@]}"; do
    for c in verify extract; do [ "${rss["$c $s"]}" -gt "$max_kib" ] && max_kib=${rss["$c $s"]}; done
done
for c in verify extract; do
    a=${rss["$c $first"]} b=${rss["$c $last"]}
    # flat: the larger bundle costs at most 10% or 4 MiB more than the smaller one, whichever is more
    ok=$(awk -v a="$a" -v b="$b" 'BEGIN { d = b - a; print (d <= 4096 || d <= a * 0.10) }')
    [ "$ok" = 1 ] || flat=0
    growth+=$(awk -v c="$c" -v a="$a" -v b="$b" 'BEGIN { printf " %s %.1f -> %.1f MiB;", c, a / 1024, b / 1024 }')
done
under=$(awk -v m="$max_kib" 'BEGIN { print (m < 65536) }')
scope="$first -> $last"
[ -n "$mem_note" ] && scope="$scope only (no 4 GiB point)"
echo "  peak memory: max $(awk -v m="$max_kib" 'BEGIN { printf "%.1f", m / 1024 }') MiB (target < 64 MiB): $(verdict "$under");" \
    "flat over $scope:$growth $(verdict "$flat")"
ms=$(awk -v s="${med[tampered]}" 'BEGIN { printf "%.1f", s * 1000 }')
echo "  tampered signature rejected in $ms ms, exit 10 (target < 100 ms): $(verdict "$(awk -v s="${med[tampered]}" 'BEGIN { print (s < 0.1) }')")"
echo
echo "other ratios:"
echo "  verify: $(ratio "${med[sha_par]}" "${med[verify]}")x faster than sha256sum in parallel (xargs -P $jobs)"
awk -v b="$data_bytes" -v s="${med[verify]}" -v c="${cpu[verify_j1]}" -v l="$limit_bps" -v n="$jobs" \
    'BEGIN { printf "  verify: %.2f GiB/s = %.0f%% of the SHA-256 limit of the cores (%.2f GiB/s, openssl speed counts CPU time);\n", b / s / 2^30, 100 * b / s / l, l / 2^30
             printf "          per CPU-second, --jobs 1 hashes %.2f GiB = %.0f%% of the openssl single-thread rate\n", b / c / 2^30, 100 * b / c / (l / n) }'
scaling="  verify scaling: --jobs 2 is $(ratio "${med[verify_j1]}" "${med[verify_j2]}")x --jobs 1"
[ "$jobs" -gt 2 ] && scaling+="; --jobs $jobs is $(ratio "${med[verify_j1]}" "${med[verify_jn]}")x --jobs 1"
echo "$scaling (CPU time: $(ratio "${cpu[verify_j2]}" "${cpu[verify_j1]}")x)"
awk -v q="${med[verify_quarter]}" -v f="${med[verify]}" -v qb="$(stat -c %s "$quarter")" -v fb="$bundle_bytes" \
    'BEGIN { printf "  verify vs size: %.2f GiB/s on the quarter-size bundle, %.2f GiB/s on the full one\n", qb / q / 2^30, fb / f / 2^30 }'
echo "  extract: $(ratio "${med[tar_x]}" "${med[extract]}")x the speed of tar -xf alone, which neither checks nor syncs;" \
    "$(ratio "${med[tar_x_sync]}" "${med[extract]}")x tar -xf + sync -f."
echo "           bundle extract syncs its output (syncfs) before renaming it into place; tar -xf does not."
echo "  build: $(ratio "${med[tar_c_sha]}" "${med[build]}")x faster than tar -cf + sha256sum;" \
    "$(ratio "${med[tar_c_sha_sync]}" "${med[build]}")x tar -cf + sha256sum + sync -f (bundle build fsyncs its output)"
echo
echo "samples (s), in run order:"
sed 's/^/ /' "$log"
