// The obtain and extract phases: the bundle is copied (or hard-linked) into the agent's directory
// only once its SHA-256 matches node.yaml's, and extracted only after its signature and every
// digest check out.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "core/atomic_file.h"
#include "core/fd.h"
#include "core/safe_fs.h"
#include "format/extract.h"
#include "format/reader.h"
#include "hash/sha256.h"
#include "node/file_hash.h"
#include "node/phase.h"

namespace bundle::node {
namespace {

std::string installed_bundle(const Context& ctx) { return ctx.dir.bundles() + "/" + ctx.config.bundle.file; }

std::string release_of(const Context& ctx) { return release_name(ctx.config.bundle.version, ctx.config.bundle.sha256); }

// SHA-256 of `path` (hex), optionally copying every byte into `copy_to`.
Result<std::string> hash_file(const std::string& path, int copy_to = -1, const std::string& copy_name = {}) {
    UniqueFd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in.valid()) return system_error(Code::io, path, "cannot open the bundle", errno);
    return hash_fd(in, path, copy_to, copy_name);
}

// A bundle on the same filesystem that only the agent's user can change (the bootstrap script's
// and `bundle push`'s incoming/ copy) is hard-linked rather than copied: a VPS disk does not hold
// the same gigabyte twice. Those writers only ever rename a new file into place, so the shared
// inode does not change under the agent. Gives false, having done nothing, when the file is
// anyone else's, writable by group or others, or elsewhere (EXDEV): the caller copies it then.
Result<bool> link_bundle(const Context& ctx, const std::string& source, const std::string& target) {
    struct stat st {};
    if (::lstat(source.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() ||
        (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return false;
    UniqueFd dir(::open(ctx.dir.bundles().c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir.valid()) return system_error(Code::io, ctx.dir.bundles(), "cannot open", errno);
    const std::string file = target.substr(target.rfind('/') + 1);
    const std::string prefix = "." + file + ".link-";
    remove_stale_temporaries(dir.get(), prefix);  // left by a run that was killed
    const std::string temp = prefix + std::to_string(::getpid()) + "-0";
    (void)::unlinkat(dir.get(), temp.c_str(), 0);
    if (::linkat(AT_FDCWD, source.c_str(), dir.get(), temp.c_str(), 0) != 0) return false;
    auto drop = [&] { (void)::unlinkat(dir.get(), temp.c_str(), 0); };
    // One descriptor checks that the link is the inode looked at, hashes it and syncs it.
    UniqueFd data(::openat(dir.get(), temp.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    struct stat linked {};
    if (!data.valid() || ::fstat(data.get(), &linked) != 0 || linked.st_ino != st.st_ino || linked.st_dev != st.st_dev) {
        drop();  // replaced between the two looks: copy instead, which hashes what it copies
        return false;
    }
    auto hashed = hash_fd(data, ctx.dir.bundles() + "/" + temp);
    if (!hashed) {
        drop();
        return std::move(hashed).error();
    }
    if (*hashed != ctx.config.bundle.sha256) {
        drop();
        return Error{Code::digest, source,
                     "is not the bundle node.yaml names (sha256 " + *hashed + ", expected " + ctx.config.bundle.sha256 + ")"};
    }
    if (::fsync(data.get()) != 0 || ::renameat(dir.get(), temp.c_str(), dir.get(), file.c_str()) != 0) {
        int err = errno;
        drop();
        return system_error(Code::io, target, "cannot put the linked bundle in place", err);
    }
    if (::fsync(dir.get()) != 0) return system_error(Code::io, ctx.dir.bundles(), "cannot sync", errno);
    return true;
}

// Points <dir>/current at releases/<name> with a new link renamed over the old one.
Status switch_current(const Context& ctx, const std::string& name) {
    UniqueFd dir(::open(ctx.dir.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir.valid()) return system_error(Code::io, ctx.dir.dir, "cannot open", errno);
    remove_stale_temporaries(dir.get(), ".current.tmp-");  // links left by a killed run
    std::string temp = ctx.dir.dir + "/.current.tmp-" + std::to_string(::getpid()) + "-link";
    ::unlink(temp.c_str());
    if (::symlink(("releases/" + name).c_str(), temp.c_str()) != 0)
        return system_error(Code::io, temp, "cannot create the link", errno);
    if (::rename(temp.c_str(), ctx.dir.current().c_str()) != 0) {
        int err = errno;
        ::unlink(temp.c_str());
        return system_error(Code::io, ctx.dir.current(), "cannot switch", err);
    }
    ::fsync(dir.get());
    return {};
}

// The node agent of the new bundle becomes /usr/local/bin/bundle (what bundle-node.service runs).
Status install_agent(Context& ctx, const std::string& release) {
    std::string agent = release + "/bin/bundle";
    struct stat st {};
    if (::lstat(agent.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        ctx.log.say("extract", "warning: the bundle has no bin/bundle; /usr/local/bin/bundle left as it is");
        return {};
    }
    std::string target_dir = ctx.under_root("/usr/local/bin");
    if (auto made = make_directories(target_dir, 0755); !made) return made;
    auto file = AtomicFile::create(target_dir + "/bundle", 0755);
    if (!file) return std::move(file).error();
    auto hashed = hash_file(agent, file->fd(), file->path());
    if (!hashed) return std::move(hashed).error();
    if (*hashed != ctx.config.bundle.agent_sha256)
        return Error{Code::digest, agent,
                     "is not the node agent node.yaml names (sha256 " + *hashed + ", expected " +
                         ctx.config.bundle.agent_sha256 + ")"};
    if (::fchmod(file->fd(), 0755) != 0) return system_error(Code::io, file->path(), "cannot chmod", errno);
    if (auto committed = file->commit(); !committed) return committed;
    ctx.log.say("extract", "node agent installed as /usr/local/bin/bundle");
    return {};
}

}  // namespace

std::string Context::bundle_dir() const { return dir.releases() + "/" + release_name(config.bundle.version, config.bundle.sha256); }

Status phase_obtain(Context& ctx) {
    const auto& want = ctx.config.bundle;
    std::string target = installed_bundle(ctx);
    if (::access(target.c_str(), F_OK) == 0) {
        auto have = hash_file(target);
        if (have && *have == want.sha256) {
            ctx.log.say("obtain", "bundle " + want.file + " already here");
            return {};
        }
        ctx.log.say("obtain", "the copy in " + target + " is not the one node.yaml names; replacing it");
    }
    if (ctx.options.bundle_path.empty())
        return Error{Code::usage, target,
                     "no bundle to install: give --bundle FILE (the bootstrap script fetches " + want.file + ")"};
    struct stat st {};
    if (::stat(ctx.options.bundle_path.c_str(), &st) != 0)
        return system_error(Code::io, ctx.options.bundle_path, "cannot read the bundle", errno);
    if (static_cast<std::uint64_t>(st.st_size) != want.size)
        return Error{Code::digest, ctx.options.bundle_path,
                     "is " + std::to_string(st.st_size) + " bytes, but node.yaml names a bundle of " +
                         std::to_string(want.size) + " bytes (" + want.file + ")"};
    if (auto made = make_directories(ctx.dir.bundles(), 0755); !made) return made;
    auto linked = link_bundle(ctx, ctx.options.bundle_path, target);
    if (!linked) return std::move(linked).error();
    if (*linked) {
        ctx.log.say("obtain", "linked " + ctx.options.bundle_path + " (same filesystem, no second copy)");
        return {};
    }
    auto file = AtomicFile::create(target, 0644);
    if (!file) return std::move(file).error();
    ctx.log.say("obtain", "copying " + ctx.options.bundle_path + " (" + std::to_string(want.size) + " bytes)");
    auto hashed = hash_file(ctx.options.bundle_path, file->fd(), file->path());
    if (!hashed) return std::move(hashed).error();
    if (*hashed != want.sha256)
        return Error{Code::digest, ctx.options.bundle_path,
                     "is not the bundle node.yaml names (sha256 " + *hashed + ", expected " + want.sha256 + ")"};
    if (::fchmod(file->fd(), 0644) != 0) return system_error(Code::io, file->path(), "cannot chmod", errno);
    return file->commit();
}

Status phase_extract(Context& ctx) {
    auto key = sign::parse_public_key(ctx.config.bundle.signing_key, ctx.config.path + ": bundle.signing_key");
    if (!key) return std::move(key).error();
    auto bundle = format::open_bundle(installed_bundle(ctx), &*key);
    if (!bundle) return std::move(bundle).error();
    if (bundle->index.version != ctx.config.bundle.version || bundle->index.name != ctx.config.bundle.image)
        return Error{Code::invalid_input, installed_bundle(ctx),
                     "is " + bundle->index.name + " version " + std::to_string(bundle->index.version) +
                         ", but node.yaml names " + ctx.config.bundle.image + " version " +
                         std::to_string(ctx.config.bundle.version)};
    if (auto made = make_directories(ctx.dir.releases(), 0755); !made) return made;
    std::string release = ctx.bundle_dir();
    ctx.log.say("extract", "verifying and extracting into " + release + " on " + std::to_string(ctx.options.jobs) + " threads");
    format::ExtractOptions extract{.jobs = ctx.options.jobs, .replace = true};
    if (auto extracted = format::extract_bundle(*bundle, release, extract); !extracted) return extracted;
    if (auto switched = switch_current(ctx, release_of(ctx)); !switched) return switched;
    return install_agent(ctx, release);
}

}  // namespace bundle::node
