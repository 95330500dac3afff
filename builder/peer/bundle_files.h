// GET and HEAD /bundle/<file>: the installed bundle, for a reinstalling peer's bootstrap
// (cloud-init/bootstrap.sh fetches http://<mesh_ipv4>:<agent_port>/bundle/<file> with curl,
// resuming a partial download with a range).
//
// Only a plain file name is served: [A-Za-z0-9._+-], not starting with a dot, at most 255
// characters, no percent-encoding, no query. The file is opened under a descriptor of the
// directory with O_NOFOLLOW (the directory itself too), so a symbolic link is never followed,
// and must be a regular file. Whatever is refused is a 404 that does not say why.
#pragma once

#include <string>

#include "peer/http_server.h"

namespace bundle::peer {

inline constexpr char kBundlePrefix[] = "/bundle/";

HttpResponse serve_bundle_file(const std::string& directory, const HttpRequest& request);

bool is_plain_file_name(const std::string& name);

}  // namespace bundle::peer
