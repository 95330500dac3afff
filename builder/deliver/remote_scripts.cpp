#include "deliver/remote_scripts.h"

#include "render/bootstrap.h"
#include "render/user_data.h"
#include "sign/base64.h"

namespace bundle::deliver {
namespace {

constexpr char kElevate[] = R"SH(if [ "$(id -u)" -eq 0 ]; then exec "$@"; fi; exec sudo -n -- "$@")SH";

constexpr char kCheck[] = R"SH(set -eu
state="$1/var/lib/bundle"
missing=""
for tool in sha256sum tar base64 mktemp cut df awk; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then echo "missing$missing"; exit 0; fi
d=$state
while [ ! -d "$d" ]; do d=${d%/*}; [ -n "$d" ] || d=/; done
df -Pk "$d" | awk 'NR == 2 { printf "free %.0f\n", $4 * 1024 }'
if [ -f "$state/incoming/$2" ]; then
  echo "have $(sha256sum "$state/incoming/$2" | cut -d ' ' -f 1)"
else
  echo "have none"
fi
)SH";

constexpr char kUpload[] = R"SH(set -eu
umask 077
state="$1/var/lib/bundle"
dir="$state/incoming"
mkdir -p "$dir"
chmod 0700 "$state" "$dir"
part=$(mktemp "$dir/.$2.XXXXXX")
trap 'rm -f "$part"' EXIT
cat >"$part"
got=$(sha256sum "$part" | cut -d ' ' -f 1)
if [ "$got" != "$3" ]; then
  echo "the copy received has SHA-256 $got, not $3" >&2
  exit 3
fi
mv -fT "$part" "$dir/$2"
trap - EXIT
)SH";

constexpr char kFilesHead[] = R"SH(set -eu
umask 022
root=$1
tmp=""
trap 'if [ -n "$tmp" ]; then rm -f "$tmp"; fi' EXIT
# put PATH MODE OWNER, the content in base64 on stdin
put() {
  target="$root$1"
  dir=${target%/*}
  mkdir -p "$dir"
  tmp=$(mktemp "$dir/.bundle-push.XXXXXX")
  base64 -d >"$tmp"
  chmod "$2" "$tmp"
  if ! chown "$3" "$tmp" 2>/dev/null; then
    if [ -z "$root" ]; then echo "cannot give $1 to $3" >&2; exit 1; fi
    echo "trial run: $1 keeps owner $(id -un) (on a node: $3)"
  fi
  mv -fT "$tmp" "$target"
  tmp=""
  echo "wrote $1 ($2 $3)"
}
)SH";

// Sets the running hostname and names it in /etc/hosts (as Debian's installer does, so that
// sudo and friends resolve it); a real node only.
constexpr char kHostname[] = R"SH(if [ -z "$root" ]; then
  hostname "$name"
  if ! awk -v name="$name" '{ for (i = 2; i <= NF; i++) if ($i == name) found = 1 }
      END { exit !found }' /etc/hosts; then
    printf '127.0.1.1\t%s\n' "$name" >>/etc/hosts
  fi
  echo "hostname $name"
fi
)SH";

constexpr char kAgent[] = R"SH(set -eu
umask 022
state="$1/var/lib/bundle"
bundle="$state/incoming/$2"
agent="$state/agent/bundle"
mkdir -p "$state/agent"
if ! tar --occurrence=1 -x -O -f "$bundle" bin/bundle >"$agent.part"; then
  rm -f "$agent.part"
  echo "cannot take bin/bundle out of $bundle" >&2
  exit 1
fi
got=$(sha256sum "$agent.part" | cut -d ' ' -f 1)
if [ "$got" != "$3" ]; then
  rm -f "$agent.part"
  echo "the node agent in $2 has SHA-256 $got, not $3 (the user-data's): refusing to run it" >&2
  exit 3
fi
chmod 0755 "$agent.part"
mv -fT "$agent.part" "$agent"
)SH";

// Base64 in lines of 76: no line can be the here-document's delimiter, which has a '_'.
std::string base64_lines(const std::string& content) {
    std::string encoded = sign::base64_encode(content);
    std::string out;
    for (std::size_t i = 0; i < encoded.size(); i += 76) out += encoded.substr(i, 76) + "\n";
    return out;
}

std::string put(const std::string& path, const std::string& mode, const std::string& owner,
                const std::string& content) {
    return "put " + render::shell_quote(path) + " " + mode + " " + render::shell_quote(owner) +
           " <<'BUNDLE_END'\n" + base64_lines(content) + "BUNDLE_END\n";
}

std::string state_dir(const std::string& root) { return root + "/var/lib/bundle"; }

}  // namespace

std::vector<std::string> elevated(const std::vector<std::string>& argv) {
    std::vector<std::string> words = {"sh", "-c", kElevate, "bundle-push"};
    words.insert(words.end(), argv.begin(), argv.end());
    return words;
}

std::vector<std::string> check_command(const std::string& root, const std::string& bundle_file) {
    return elevated({"sh", "-c", kCheck, "bundle-push-check", root, bundle_file});
}

std::vector<std::string> upload_command(const std::string& root, const std::string& bundle_file,
                                        const std::string& sha256) {
    return elevated({"sh", "-c", kUpload, "bundle-push-upload", root, bundle_file, sha256});
}

std::vector<std::string> files_command(const std::string& root) { return elevated({"sh", "-s", "--", root}); }

std::string files_script(const std::vector<render::NodeFile>& files, const std::string& hostname) {
    std::string script = kFilesHead;
    for (const auto& file : files) script += put(file.path, render::mode_text(file.mode), file.owner, file.content);
    script += put("/etc/hostname", "0644", "root:root", hostname + "\n");
    script += "name=" + render::shell_quote(hostname) + "\n" + kHostname;
    return script;
}

std::vector<std::string> agent_command(const std::string& root, const std::string& bundle_file,
                                       const std::string& agent_sha256) {
    return elevated({"sh", "-c", kAgent, "bundle-push-agent", root, bundle_file, agent_sha256});
}

std::vector<std::string> install_command(const std::string& root, const std::string& bundle_file) {
    std::vector<std::string> argv = {state_dir(root) + "/agent/bundle",
                                      "node",
                                      "install",
                                      "--bundle",
                                      state_dir(root) + "/incoming/" + bundle_file,
                                      "--config",
                                      root + render::kNodeConfigPath};
    if (!root.empty()) argv.insert(argv.end(), {"--root", root});
    return elevated(argv);
}

}  // namespace bundle::deliver
