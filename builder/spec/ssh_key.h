// The lines of a cluster definition's ssh_authorized_keys, which end up in every node's
// ~/.ssh/authorized_keys. A line that sshd cannot read locks the operator out of a freshly
// installed node, so the common paste mistakes are caught before a bundle is built: a private key
// or a fingerprint instead of the public key, a line cut short or wrapped, a missing type.
//
//   <type> <base64 key blob> [comment]
//
// The type is one of ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256/384/521,
// sk-ssh-ed25519@openssh.com or sk-ecdsa-sha2-nistp256@openssh.com; the blob must be canonical
// base64 and, as OpenSSH writes it, begin with the same type name. authorized_keys options
// (from="...", command="...") are not accepted: the agent writes the keys as given, and a
// restriction belongs in the node's configuration, not in a pasted line.
//
// The line goes into every node's user-data, which cloud-init reads with PyYAML; PyYAML refuses
// the whole document for one character YAML does not allow, so the line must be valid UTF-8
// without control characters (C0 but tab, DEL, C1, U+FFFE, U+FFFF) or line breaks (CR, LF, and
// NEL, U+2028 and U+2029, which YAML 1.1 also breaks lines at).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bundle::spec {

// Why `line` is not an OpenSSH public key line, or nullopt when it is.
std::optional<std::string> ssh_public_key_problem(std::string_view line);

}  // namespace bundle::spec
