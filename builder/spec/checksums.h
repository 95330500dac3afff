// A release's checksum file (K3s's sha256sum-amd64.txt, a SHA256SUMS) is where a `checksums:`
// artifact reads its pin: the digest is never typed into the definition, it is read from the
// upstream's own publication. Two line forms are accepted, as GNU and BSD tools write them:
//
//   <64 hex digits> <space or '*'><file name>       sha256sum (text or binary mode)
//   SHA256 (<file name>) = <64 hex digits>          sha256sum --tag, BSD sha256
//
// Blank lines (and a trailing '\r') are ignored; any other line is an error, since a file we do
// not understand is not a file to take a pin from. Hex digits may be upper or lower case and are
// returned lower case. A name listed twice with the same digest is accepted; with two different
// digests it is an error, and so is a name not listed at all.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace bundle::spec {

struct ChecksumLine {
    std::string name;
    std::string sha256;  // 64 lowercase hex digits
    int line = 0;        // 1-based
};

// Every line of `text`; a malformed one is Code::invalid_input with `where` = `url` and a
// message naming its line number (all malformed lines at once).
Result<std::vector<ChecksumLine>> parse_checksums(std::string_view text, const std::string& url);

// The lowercase hex digest listed for `file_name` in the checksum file at `url` (`text` is its
// content). Code::invalid_input, `where` = `url`, when the file is malformed, does not list the
// name, or lists it with two different digests.
Result<std::string> find_checksum(std::string_view text, const std::string& file_name,
                                  const std::string& url);

}  // namespace bundle::spec
