#include "node/preflight.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace bundle::node {
namespace {

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

// True when `name` is an executable regular file in one of PATH's folders, as posix_spawnp
// would find it (an empty entry is the current folder).
bool on_path(const std::string& path, const std::string& name) {
    std::istringstream dirs(path);
    for (std::string dir; std::getline(dirs, dir, ':');) {
        std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
        struct stat st {};
        if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
            return true;
    }
    return false;
}

bool has_networkd(const SystemView& view) {
    for (const char* lib : {"/lib", "/usr/lib"})
        if (exists(view.root + lib + "/systemd/systemd-networkd") ||
            exists(view.root + lib + "/systemd/system/systemd-networkd.service"))
            return true;
    return false;
}

// The folders systemd looks up `what` in ("systemd/system", "systemd/ntp-units.d"), under the root.
std::vector<std::string> systemd_dirs(const SystemView& view, const std::string& what) {
    std::vector<std::string> dirs;
    for (const char* base : {"/etc", "/run", "/usr/local/lib", "/usr/lib", "/lib"})
        dirs.push_back(view.root + base + "/systemd/" + what);
    return dirs;
}

// True when a network time service that `timedatectl set-ntp` can turn on is installed:
// systemd-timedated takes the units named in ntp-units.d/*.list (systemd-timedated.service(8);
// systemd-timesyncd ships 80-systemd-timesync.list, chrony its own) and answers "NTP not
// supported" when none of them exists, which stops 40-time.sh.
bool has_time_sync(const SystemView& view) {
    for (const auto& lists : systemd_dirs(view, "ntp-units.d")) {
        DIR* handle = ::opendir(lists.c_str());
        if (handle == nullptr) continue;
        std::vector<std::string> files;
        while (dirent* entry = ::readdir(handle))
            if (std::string name = entry->d_name; name.size() > 5 && name.ends_with(".list")) files.push_back(lists + "/" + name);
        ::closedir(handle);
        for (const auto& file : files) {
            std::ifstream in(file);
            for (std::string unit; std::getline(in, unit);) {
                if (unit.empty() || unit[0] == '#' || unit.find('/') != std::string::npos) continue;
                for (const auto& units : systemd_dirs(view, "system"))
                    if (exists(units + "/" + unit)) return true;
            }
        }
    }
    return false;
}

// True when a line of the file `path` names the module file "wireguard.ko" (compressed or not):
// modules.builtin lists "kernel/drivers/net/wireguard/wireguard.ko", modules.dep
// "kernel/drivers/net/wireguard/wireguard.ko.zst: <its dependencies>".
bool lists_wireguard(const std::string& path) {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        std::string file = line.substr(0, line.find(':'));
        std::string base = file.substr(file.rfind('/') + 1);
        if (base == "wireguard.ko" || base.rfind("wireguard.ko.", 0) == 0) return true;
    }
    return false;
}

bool has_wireguard(const SystemView& view) {
    if (exists(view.root + "/sys/module/wireguard")) return true;
    for (const char* lib : {"/lib", "/usr/lib"}) {
        std::string modules = view.root + lib + "/modules/" + view.kernel_release;
        if (lists_wireguard(modules + "/modules.builtin") || lists_wireguard(modules + "/modules.dep")) return true;
    }
    return false;
}

// The state directory, or its nearest parent that exists (on a fresh node nothing is there yet).
std::string existing_ancestor(std::string path) {
    while (!path.empty() && !exists(path)) path = path.substr(0, path.rfind('/'));
    return path.empty() ? "/" : path;
}

std::string size_text(std::uint64_t bytes) {
    return bytes < (1u << 20) ? std::to_string(bytes) + " bytes" : std::to_string(bytes >> 20) + " MiB";
}

}  // namespace

SystemView system_view(const std::string& root) {
    SystemView view;
    view.root = root;
    while (!view.root.empty() && view.root.back() == '/') view.root.pop_back();
    const char* path = std::getenv("PATH");
    view.path = path != nullptr ? path : "/usr/bin:/bin";
    struct utsname names {};
    if (::uname(&names) == 0) view.kernel_release = names.release;
    view.free_bytes = [](const std::string& directory) -> Result<std::uint64_t> {
        struct statvfs fs {};
        if (::statvfs(directory.c_str(), &fs) != 0) return system_error(Code::io, directory, "cannot ask the free space of", errno);
        return static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
    };
    return view;
}

std::vector<std::string> missing_requirements(const SystemView& view, const StateDir& dir, std::uint64_t free_needed) {
    std::vector<std::string> missing;
    const struct {
        const char* program;
        const char* package;
    } programs[] = {{"nft", "nftables"}, {"sha256sum", "coreutils"}, {"tar", "tar"}};
    for (const auto& p : programs)
        if (!on_path(view.path, p.program))
            missing.push_back(std::string(p.program) + ": not found in PATH (Debian and Ubuntu package " + p.package + ")");
    if (!has_networkd(view))
        missing.push_back("systemd-networkd: neither its program nor its unit under " + view.root +
                          "/lib/systemd or /usr/lib/systemd (package systemd; systemd-networkd where it is split off)");
    if (!has_time_sync(view))
        missing.push_back("network time: no service that `timedatectl set-ntp` can turn on (a unit named in " + view.root +
                          "/usr/lib/systemd/ntp-units.d/*.list that exists; package systemd-timesyncd or chrony)");
    if (!has_wireguard(view))
        missing.push_back("the kernel's wireguard module: not loaded (" + view.root + "/sys/module/wireguard) nor in " +
                          view.root + "/lib/modules/" + view.kernel_release +
                          "/modules.builtin or modules.dep (Linux 5.6 or later has it; a kernel without modules "
                          "cannot bring up the mesh)");
    if (free_needed > 0) {
        std::string where = existing_ancestor(dir.dir);
        auto free = view.free_bytes(where);
        if (!free)
            missing.push_back("free space: " + free.error().describe());
        else if (*free < free_needed)
            missing.push_back("free space: " + size_text(*free) + " free in " + where + ", the bundle needs " +
                              size_text(free_needed) + " (twice its size: the file and its extracted copy)");
    }
    return missing;
}

Status preflight(const SystemView& view, const StateDir& dir, std::uint64_t free_needed) {
    auto missing = missing_requirements(view, dir, free_needed);
    if (missing.empty()) return {};
    std::string message = "this node lacks what the install needs; nothing was changed:";
    for (const auto& line : missing) message += "\n  - " + line;
    return Error{Code::invalid_input, "", message};
}

}  // namespace bundle::node
