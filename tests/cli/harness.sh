# The checks of the command-line test scripts, sourced by them. Each check prints "ok - <name>"
# or "not ok - <name>" (TAP's words); `finish` prints "N passed, N failed" and gives the status.
# shellcheck shell=sh

passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; }

# expect CODE NAME COMMAND...: runs COMMAND, checks its exit status; its output is in out.txt and
# err.txt, and err.txt is shown when the status is not the one wanted
expect() {
  want=$1 name=$2
  shift 2
  "$@" >out.txt 2>err.txt
  got=$?
  if [ "$got" -eq "$want" ]; then ok "$name"; else
    not_ok "$name (exit $got, wanted $want)"
    sed 's/^/#   /' err.txt
  fi
}

# has FILE TEXT NAME: FILE contains TEXT
has() {
  if grep -qF -- "$2" "$1"; then ok "$3"; else not_ok "$3: no '$2' in $1"; sed 's/^/#   /' "$1"; fi
}

# stderr_has TEXT NAME: the last command's stderr contains TEXT
stderr_has() { has err.txt "$1" "$2"; }

finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
