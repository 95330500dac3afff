#!/bin/sh
# End-to-end checks of `bundle push` against a real sshd that this test starts on 127.0.0.1 (its
# own configuration, host key and authorized key, all in a temporary folder) and the real
# OpenSSH client, always as a trial run (--root): nothing outside the test's folder changes. On
# the "node" side, PATH (sshd's SetEnv) puts recording stand-ins first: `sudo` and `id` (so
# the path of a login that is not root runs even when the test runs as root), and the node agent
# inside the bundle is a stand-in too (tests/deliver/site.sh), not the real agent.
#
# sshd run as root needs its privilege separation folder, /run/sshd (compiled in, not
# configurable; the ssh service's unit normally creates it): the test creates it when it is
# missing and removes it afterwards. Run as another user, sshd needs none, and only that user
# can log in, which is the login the test uses.
# Usage: push_test.sh path/to/bundle
set -u
bundle=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/bundle-push-XXXXXX")
sshd_pid=""
made_privsep=""
cleanup() {
  if [ -n "$sshd_pid" ]; then
    kill "$sshd_pid" 2>/dev/null
    wait "$sshd_pid" 2>/dev/null
  fi
  if [ -n "$made_privsep" ]; then rmdir /run/sshd 2>/dev/null; fi
  chmod -R u+w "$work"
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
# shellcheck disable=SC1091 # checked on their own
. "$here/../cli/harness.sh"
# shellcheck disable=SC1091
. "$here/../cli/servers.sh"
# shellcheck disable=SC1091
. "$here/site.sh"

for tool in /usr/sbin/sshd /usr/bin/ssh ssh-keygen python3; do
  command -v "$tool" >/dev/null || { not_ok "$tool is not installed (ci/setup installs openssh-server/-client)"; finish; exit 1; }
done
me=$(id -un)
port=$(free_port)
make_site "$bundle" "$me@127.0.0.1" || { not_ok "could not build the test bundle"; finish; exit 1; }
"$bundle" cloud-init --cluster site/cluster.yaml --node node-1 --bundle dist/site-3.bundle >node-1.yaml 2>/dev/null

# --- keys, stand-ins, sshd ---------------------------------------------------------------------
for key in host_key other_host_key client_key other_key; do ssh-keygen -q -t ed25519 -N '' -C "test $key" -f "$key"; done
cp client_key.pub authorized_keys
mkdir standin-bin standin wrap tmp node
cat >standin-bin/sudo <<'SH'
#!/bin/sh
# A stand-in for sudo, not the real one: records its arguments, then runs the command after
# `-n --`; with $STAND_IN_DIR/sudo.password present it fails as `sudo -n` does when it wants one.
printf '%s\n' "$*" >>"${STAND_IN_DIR:?}/sudo.args"
if [ -f "$STAND_IN_DIR/sudo.password" ]; then
  echo "sudo: a password is required" >&2
  exit 1
fi
if [ "$1" = -n ]; then shift; fi
if [ "$1" = -- ]; then shift; fi
exec "$@"
SH
cat >standin-bin/id <<'SH'
#!/bin/sh
# A stand-in for id, not the real one: `id -u` answers 1000 while $STAND_IN_DIR/not-root exists
# (the login then looks like one that is not root); everything else goes to the real id.
if [ "${1:-}" = -u ] && [ -f "${STAND_IN_DIR:?}/not-root" ]; then
  echo 1000
  exit 0
fi
exec /usr/bin/id "$@"
SH
chmod +x standin-bin/sudo standin-bin/id
if [ "$(id -u)" -eq 0 ] && [ ! -d /run/sshd ]; then mkdir -m 0755 /run/sshd && made_privsep=1; fi
permit=no
if [ "$(id -u)" -eq 0 ]; then permit=prohibit-password; fi
cat >sshd_config <<CONF
ListenAddress 127.0.0.1:$port
HostKey $work/host_key
PidFile $work/sshd.pid
AuthorizedKeysFile $work/authorized_keys
# The test's folder lies under a world-writable /tmp, which StrictModes would refuse.
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin $permit
UsePAM no
X11Forwarding no
SetEnv PATH=$work/standin-bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin STAND_IN_DIR=$work/standin
LogLevel VERBOSE
CONF
if ! /usr/sbin/sshd -t -f sshd_config >sshd_check.txt 2>&1; then
  not_ok "sshd refuses its configuration"
  sed 's/^/#   /' sshd_check.txt
  finish
  exit 1
fi
/usr/sbin/sshd -D -e -f sshd_config -E "$work/sshd.log" &
sshd_pid=$!
wait_port "$port" sshd "$work/sshd.log" || { not_ok "sshd did not start"; finish; exit 1; }

# The client: a known_hosts of its own, and a recording wrapper in front of the real ssh.
printf 'Host *\n  UserKnownHostsFile %s/known_hosts\n  GlobalKnownHostsFile /dev/null\n' "$work" >ssh_config
printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d ' ' -f 1,2 other_host_key.pub)" >changed_known_hosts
printf 'Host *\n  UserKnownHostsFile %s/changed_known_hosts\n  GlobalKnownHostsFile /dev/null\n' "$work" >changed_config
cat >wrap/ssh <<SH
#!/bin/sh
# Records every argument bundle push gives ssh, one a line, then runs the real ssh.
printf '%s\n' "\$@" >>"$work/ssh.args"
exec /usr/bin/ssh "\$@"
SH
chmod +x wrap/ssh

# run_push PORT IDENTITY SSH_CONFIG ARGS...: bundle push for node-1, without any ssh-agent
run_push() {
  p=$1 identity=$2 config=$3
  shift 3
  env -u SSH_AUTH_SOCK PATH="$work/wrap:$PATH" TMPDIR="$work/tmp" "$bundle" push --cluster site/cluster.yaml \
    --node node-1 --bundle dist/site-3.bundle --port "$p" --identity "$identity" --ssh-config "$config" "$@"
}
push_trial() { run_push "$port" client_key ssh_config --root "$work/node" "$@"; }
# keep: every output of every push, for the leak check at the end
keep() { cat out.txt err.txt >>all-output.txt; }
logins() { grep -c "Accepted publickey" sshd.log; }
state=node/var/lib/bundle

# --- a first push ------------------------------------------------------------------------------
expect 0 "push into a trial root" push_trial
keep
has out.txt "stand-in agent: node install running" "the agent's stdout streams back to stdout"
has err.txt "stand-in agent: a line on stderr" "the agent's stderr streams back to stderr"
has out.txt "pushed site-3.bundle to node-1" "it says what it did"
has err.txt "uploading site-3.bundle" "it says it uploads the bundle"
if [ "$(logins)" = 1 ]; then ok "one login for every step (one shared connection)"; else not_ok "$(logins) logins"; fi
if cmp -s "$state/incoming/site-3.bundle" dist/site-3.bundle; then ok "the bundle arrived byte for byte"; else not_ok "the bundle differs"; fi
if [ "$(stat -c %a "$state")" = 700 ] && [ "$(stat -c %a "$state/incoming")" = 700 ]; then
  ok "/var/lib/bundle and its incoming/ are 0700"
else not_ok "modes $(stat -c '%n %a' "$state" "$state/incoming")"; fi
if cmp -s "$state/agent/bundle" img/stand-in-agent && [ "$(stat -c %a "$state/agent/bundle")" = 755 ]; then
  ok "the agent was taken out of the bundle, 0755"
else not_ok "the agent: $(ls -l "$state/agent" 2>&1)"; fi
want="node install --bundle $work/$state/incoming/site-3.bundle --config $work/node/etc/bundle/node.yaml --root $work/node"
if [ "$(head -n 1 standin/agent.args)" = "$want" ]; then ok "the agent ran as: $want"; else
  not_ok "the agent's arguments: $(head -n 1 standin/agent.args)"; fi

# Every write_files entry of the user-data, compared with the file push wrote.
if python3 - node-1.yaml "$work/node" >files.txt 2>&1 <<'PY'; then ok "every file of the user-data, same content and mode"; else
import base64, gzip, os, stat, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
bad = 0
for f in doc["write_files"]:
    want = f["content"].encode()
    if f.get("encoding") == "gz+b64":
        want = gzip.decompress(base64.b64decode(f["content"]))
    path = sys.argv[2] + f["path"]
    got = open(path, "rb").read()
    mode = "%04o" % stat.S_IMODE(os.lstat(path).st_mode)
    if got != want or mode != f["permissions"] or not stat.S_ISREG(os.lstat(path).st_mode):
        print(f["path"], "differs: mode", mode, "wanted", f["permissions"])
        bad += 1
sys.exit(1 if bad else 0)
PY
  not_ok "the files differ from the user-data's"; sed 's/^/#   /' files.txt; fi
if [ "$(cat node/etc/hostname)" = node-1 ]; then ok "/etc/hostname names the node"; else not_ok "hostname file"; fi
if [ "$(id -u)" -eq 0 ] && getent group systemd-network >/dev/null; then
  owners="$(stat -c %U:%G node/etc/bundle/node.yaml) $(stat -c %U:%G node/etc/bundle/wireguard.key)"
  if [ "$owners" = "root:root root:systemd-network" ]; then ok "owners as the user-data sets them"; else not_ok "owners $owners"; fi
else
  has err.txt "trial run: /etc/bundle/node.yaml keeps owner $me" "as $me, the trial run says which owners it could not set"
fi

# --- again: nothing to upload ------------------------------------------------------------------
expect 0 "a second push" push_trial
keep
has err.txt "already has site-3.bundle with the same SHA-256: not uploading it again" "it skips the upload, and says so"
if [ "$(logins)" = 2 ]; then ok "again one login"; else not_ok "$(logins) logins after two pushes"; fi

# A copy on the node that no longer matches is replaced.
at=$(grep -boa "node install running" "$state/incoming/site-3.bundle" | head -n 1 | cut -d : -f 1)
printf 'X' | dd of="$state/incoming/site-3.bundle" bs=1 seek="$at" conv=notrunc 2>/dev/null
expect 0 "push after the node's copy changed" push_trial
keep
has err.txt "uploading site-3.bundle" "it uploads the bundle again"
if cmp -s "$state/incoming/site-3.bundle" dist/site-3.bundle; then ok "the node's copy is whole again"; else not_ok "still differs"; fi

# --- the install's exit status -----------------------------------------------------------------
echo 7 >standin/agent.status
expect 20 "node install fails on the node: exit 20" push_trial
keep
stderr_has "node install exited with status 7" "the node's own status is named"
stderr_has "127.0.0.1 port $port" "with the login"
rm standin/agent.status

# --- a login that is not root ------------------------------------------------------------------
: >standin/sudo.args
touch standin/not-root
expect 0 "a login that is not root goes through sudo -n" push_trial
keep
steps=$(grep -c '^-n -- ' standin/sudo.args)
if [ "$steps" -ge 4 ]; then ok "every step ran through sudo -n ($steps)"; else not_ok "sudo ran $steps times"; sed 's/^/#   /' standin/sudo.args; fi
touch standin/sudo.password
expect 4 "sudo that wants a password" push_trial
keep
stderr_has "sudo wants a password" "it says sudo wants a password"
stderr_has "push as root, or give the user sudo without a password" "and what to do"
rm standin/not-root standin/sudo.password

# --- SSH failures ------------------------------------------------------------------------------
closed=$(free_port)
expect 5 "an unreachable port: exit 5" run_push "$closed" client_key ssh_config --root "$work/node"
keep
stderr_has "127.0.0.1 port $closed" "it names the host and the port"
stderr_has "check the address and the port (--port)" "it says what to check"
expect 5 "a key the node does not know: exit 5" run_push "$port" other_key ssh_config --root "$work/node"
keep
stderr_has "refused the login" "it says the login was refused"
stderr_has "log in:" "it names the step"
expect 5 "a changed host key: exit 5" run_push "$port" client_key changed_config --root "$work/node"
keep
stderr_has "ssh-keygen -R '[127.0.0.1]:$port'" "it says how to drop the old key, naming it as known_hosts does"

# --- usage -------------------------------------------------------------------------------------
expect 2 "--root must be absolute" push_trial --root relative/dir
expect 2 "a node without an ssh: target needs --ssh" env -u SSH_AUTH_SOCK "$bundle" push --cluster site/cluster.yaml \
  --node node-2 --bundle dist/site-3.bundle --root "$work/node"
stderr_has "give --ssh user@host" "it says so"
expect 2 "an ssh target that ssh would read as an option" run_push "$port" client_key ssh_config --ssh=-oProxyCommand=x --root "$work/node"
stderr_has "would read as an option" "it says why"
expect 0 "--help" "$bundle" push --help
has out.txt "Example:" "--help ends with an example"
has out.txt "20 node install ran and failed" "--help documents the exit status"

# --- nothing secret anywhere, nothing left behind ----------------------------------------------
found=$(leaks all-output.txt ssh.args standin/agent.args standin/sudo.args standin/ps.txt sshd.log)
if [ -z "$found" ]; then ok "no secret in any output, in ssh's arguments, in any argv on the node, in sshd's log"; else
  not_ok "a secret in: $found"; fi
if [ -s standin/ps.txt ]; then ok "the stand-in agent recorded every argv then running (ps)"; else
  not_ok "ps.txt is empty: the argv check saw nothing"; fi
if [ -z "$(ls -A tmp)" ]; then ok "no control folder left"; else not_ok "left in TMPDIR: $(ls -A tmp)"; fi
sleep 1
masters=$(pgrep -c -f "ControlPath=$work/tmp")
if [ "$masters" -eq 0 ]; then ok "no ssh master left running"; else not_ok "$masters ssh masters still run"; fi

finish
