#include "format/scene.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <functional>
#include <stdexcept>

#include "core/fd.h"

#include "format/verify.h"
#include "format/writer.h"

namespace bundle::test {
namespace {

constexpr unsigned kJobs = 2;

sign::PrivateKey new_key() {
    auto key = sign::PrivateKey::generate();
    if (!key) throw std::runtime_error(key.error().describe());
    return std::move(*key);
}

}  // namespace

std::vector<HonestFile> default_files() {
    return {
        {"a.txt", noise(1000, 1)},
        {"bin/tool", noise(5000, 2), 0755},
        {"data/big.bin", noise(200 * 1024 + 123, 3)},
        {"data/mid.bin", noise(70 * 1024, 4)},
        {"data/zero", ""},
    };
}

Scene::Scene()
    : key(new_key()), bundle_path(work / "x.bundle"), target(arena / "out"), sentinel(arena / "sentinel"),
      sentinel_content_("precious: must never change\n") {
    write_file(sentinel, sentinel_content_);
}

std::string Scene::honest(const std::vector<HonestFile>& files, const sign::PrivateKey* signer) {
    std::vector<format::Source> sources;
    for (const HonestFile& file : files) {
        std::filesystem::path source = work / "src" / file.path;
        write_file(source, file.content);
        sources.push_back(format::Source{file.path, format::Kind::file, file.mode, source.string(), {}, {}});
    }
    format::WriteOptions options;
    options.name = "honest";
    options.version = 1;
    options.arch = "amd64";
    options.created = kCreated;
    options.chunk_size = format::kMinChunkSize;
    options.jobs = kJobs;
    options.key = signer != nullptr ? signer : &key;
    auto written = format::write_bundle(std::move(sources), options, bundle_path.string());
    if (!written) throw std::runtime_error(written.error().describe());
    return read_file(bundle_path);
}

std::string Scene::craft(const std::vector<CraftedMember>& members, const CraftOptions& options) const {
    return craft_bundle(members, key, options);
}

void Scene::put(const std::string& bytes) const { write_file(bundle_path, bytes); }

Result<format::OpenBundle> Scene::open() const {
    return format::open_bundle(bundle_path.string(), &key.public_key());
}

format::Layout Scene::layout_of(const std::string& bytes) const {
    put(bytes);
    auto bundle = open();
    if (!bundle) throw std::runtime_error(bundle.error().describe());
    return bundle->layout;
}

Status Scene::verify(const format::OpenBundle& bundle) {
    return format::verify_members(bundle, format::CheckOptions{kJobs, nullptr});
}

Status Scene::extract(const format::OpenBundle& bundle, bool replace) const {
    return format::extract_bundle(bundle, target.string(), format::ExtractOptions{kJobs, replace, nullptr});
}

Status Scene::install(const std::string& bytes, bool replace) const {
    put(bytes);
    auto bundle = open();
    if (!bundle) return std::move(bundle).error();
    BUNDLE_TRY(verify(*bundle));
    return extract(*bundle, replace);
}

std::set<std::string> Scene::arena_entries() const {
    std::set<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(arena.path()))
        names.insert(entry.path().filename().string());
    return names;
}

bool Scene::staging_left() const {
    const std::string prefix = "." + target.filename().string() + ".staging-";
    for (const std::string& name : arena_entries())
        if (name.rfind(prefix, 0) == 0) return true;
    return false;
}

namespace {

void change_byte_in_place(const std::filesystem::path& path, std::uint64_t offset,
                          const std::function<char(char)>& change) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd.valid()) throw std::runtime_error("cannot open " + path.string());
    char byte = 0;
    if (::pread(fd.get(), &byte, 1, static_cast<off_t>(offset)) != 1) throw std::runtime_error("cannot read " + path.string());
    byte = change(byte);
    if (::pwrite(fd.get(), &byte, 1, static_cast<off_t>(offset)) != 1) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

void Scene::flip_in_place(std::uint64_t offset) const {
    change_byte_in_place(bundle_path, offset, [](char c) { return static_cast<char>(c ^ 0x01); });
}

void Scene::alter_base64_digit_in_place(std::uint64_t offset) const {
    change_byte_in_place(bundle_path, offset, [](char c) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/')
            throw std::logic_error("not a base64 digit");
        return c == 'A' ? 'B' : 'A';
    });
}

void Scene::check_untouched(const std::set<std::string>& expected) const {
    CHECK_FALSE(std::filesystem::exists(std::filesystem::symlink_status(target)));
    check_arena(expected);
}

void Scene::check_arena(const std::set<std::string>& expected) const {
    std::set<std::string> names = expected;
    names.insert(sentinel.filename().string());
    CHECK_FALSE(staging_left());
    CHECK(read_file(sentinel) == sentinel_content_);
    CHECK(arena_entries() == names);
}

}  // namespace bundle::test
