# Shared by the payload script tests (sourced): a work folder removed at exit, the harness's
# checks, a temporary root for BUNDLE_ROOT, a folder for stand-in commands, and a log of their
# calls. The sourcing script sets `repo` (the repository root) and `test_name` first.
# shellcheck shell=sh
# shellcheck disable=SC2034,SC2154 # root, bin, state and calls are for the sourcing script, which sets repo and test_name

here=$repo/tests/cli
work=$(mktemp -d "${TMPDIR:-/tmp}/bundle-$test_name-XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
# shellcheck disable=SC1091 # checked on its own
. "$here/harness.sh"

root=$work/root
bin=$work/bin
state=$work/state
calls=$work/calls.log
mkdir -p "$root" "$bin" "$state"
: >"$calls"

mode_of() { stat -c %a "$1"; }

# file_is PATH MODE NAME: PATH (under the root) is a regular file with mode MODE
file_is() {
  if [ -f "$root$1" ] && [ ! -L "$root$1" ] && [ "$(mode_of "$root$1")" = "$2" ]; then ok "$3"; else
    not_ok "$3: $(stat -c '%F %a' "$root$1" 2>&1)"
  fi
}

# mark; ...; new_calls: the calls made since mark, in new_calls.txt
mark() { marked=$(wc -l <"$calls"); }
new_calls() { tail -n +"$((marked + 1))" "$calls" >new_calls.txt; }
