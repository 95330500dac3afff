// Opening a bundle: everything that must hold before a single payload byte is read.
//
// The first header must be index.json's, the second index.json.sig's, each exactly as the writer
// would have encoded it. The signature is checked over the raw index bytes before the index is
// parsed, so a forged index never reaches the JSON parser. The parsed index then determines the
// whole layout (layout.h): the offsets it records and the file's size must match it exactly, so
// a truncated file, trailing bytes or a member the index does not list are all found here, in
// time proportional to the index, whatever the bundle's size.
#pragma once

#include <string>

#include "core/error.h"
#include "core/fd.h"
#include "format/index.h"
#include "format/layout.h"
#include "sign/ed25519.h"

namespace bundle::format {

struct OpenBundle {
    std::string path;
    UniqueFd fd;
    std::uint64_t file_size = 0;
    Index index;
    Layout layout;
    bool signature_checked = false;
};

// Opens and checks `path`. With `key` null the signature is read but not checked (for inspect);
// every caller that uses the payload passes a key.
Result<OpenBundle> open_bundle(const std::string& path, const sign::PublicKey* key);

// The same with the public key read from `key_file` (PEM or raw base64).
Result<OpenBundle> open_bundle(const std::string& path, const std::string& key_file);

}  // namespace bundle::format
