#!/bin/sh
# Runs shellcheck on every shell script of the project: ci/, .ci/, payload/, cloud-init/ and
# tests/ (any file whose first line names sh or bash, or that ends in .sh).
# Usage: shellcheck.sh REPOSITORY_ROOT
set -eu
cd "$1"
scripts=$(find ci .ci payload cloud-init tests -type f 2>/dev/null | while read -r f; do
  case $f in
    *.sh) echo "$f" ;;
    *) head -n 1 "$f" 2>/dev/null | grep -Eq '^#!.*(/| )(ba)?sh( |$)' && echo "$f" ;;
  esac
done | sort)
count=$(echo "$scripts" | grep -c .)
# shellcheck disable=SC2086 # one script per word; none has a space in its name
if shellcheck $scripts; then
  echo "$count passed, 0 failed"
else
  echo "shellcheck found problems in the scripts above"
  exit 1
fi
