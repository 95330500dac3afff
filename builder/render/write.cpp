#include "render/write.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>

#include "core/atomic_file.h"
#include "core/fd.h"

namespace bundle::render {

Result<std::vector<WrittenUserData>> write_user_data(const spec::Cluster& cluster, const spec::Secrets& secrets,
                                                     const BundleRef& bundle, const std::string& out_dir,
                                                     const UserDataOptions& options) {
    std::vector<UserData> rendered;
    for (const auto& node : cluster.nodes) {
        auto data = render_user_data(cluster, node, secrets, bundle, options);
        if (!data) return std::move(data).error();
        rendered.push_back(std::move(*data));
    }
    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    if (ec) return Error{Code::io, out_dir, "cannot create the folder: " + ec.message()};
    // Through a descriptor that refuses a link: the mode must land on this folder, not elsewhere.
    UniqueFd dir(::open(out_dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir.valid()) return system_error(Code::io, out_dir, "cannot open the folder (a link is refused)", errno);
    if (::fchmod(dir.get(), 0700) != 0) return system_error(Code::io, out_dir, "cannot make it private", errno);
    std::vector<WrittenUserData> written;
    for (std::size_t i = 0; i < rendered.size(); ++i) {
        std::string path = (std::filesystem::path(out_dir) / (cluster.nodes[i].name + ".yaml")).string();
        BUNDLE_TRY(write_file_atomically(path, rendered[i].text, 0600));
        written.push_back({cluster.nodes[i].name, path, rendered[i].text.size(), rendered[i].compressed});
    }
    return written;
}

}  // namespace bundle::render
