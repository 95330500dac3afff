// write_layout_archive from a cache filled straight from make_layout.py's layout (no registry
// needed: the archive depends only on the locked descriptors and the cached bytes).
#include "oci/layout.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "hash/sha256.h"
#include "scene.h"
#include "support/temp_dir.h"

using namespace bundle;
using namespace bundle::test::oci;
using bundle::test::TempDir;

namespace {

struct Member {
    std::string content;
    la_int64_t uid = -1, gid = -1;
    time_t mtime = -1;
    int mode = 0;
    bool directory = false;
};

struct Archive {
    std::vector<std::string> order;
    std::map<std::string, Member> members;
    std::size_t count(const std::string& name) const {
        return static_cast<std::size_t>(std::count(order.begin(), order.end(), name));
    }
};

Archive read_archive(const std::filesystem::path& file) {
    std::unique_ptr<archive, int (*)(archive*)> a(archive_read_new(), archive_read_free);
    REQUIRE(archive_read_support_format_tar(a.get()) == ARCHIVE_OK);
    REQUIRE(archive_read_open_filename(a.get(), file.c_str(), 10240) == ARCHIVE_OK);
    Archive out;
    archive_entry* entry = nullptr;
    while (archive_read_next_header(a.get(), &entry) == ARCHIVE_OK) {
        Member member;
        member.uid = archive_entry_uid(entry);
        member.gid = archive_entry_gid(entry);
        member.mtime = archive_entry_mtime(entry);
        member.mode = static_cast<int>(archive_entry_perm(entry));
        member.directory = archive_entry_filetype(entry) == AE_IFDIR;
        std::string data(static_cast<std::size_t>(archive_entry_size(entry)), '\0');
        if (!data.empty())
            REQUIRE(archive_read_data(a.get(), data.data(), data.size()) ==
                    static_cast<la_ssize_t>(data.size()));
        member.content = std::move(data);
        std::string name = archive_entry_pathname(entry);
        out.order.push_back(name);
        out.members[name] = std::move(member);
    }
    return out;
}

std::string blob_name(const std::string& digest) {
    return "blobs/sha256/" + digest.substr(7);
}

struct Scene {
    TempDir dir;
    Layout layout = make_layout(dir / "layout");
    fetch::Cache cache = open_cache(dir / "cache");
    Scene() { put_in_cache(layout, cache); }
};

}  // namespace

TEST_CASE("the layout keeps the original index blob and names the image and holds one platform",
          "[oci][layout]") {
    Scene s;
    auto multi =
        s.layout.locked("app", "registry.example.com/team/multi:v1", "multi", "linux/amd64");
    REQUIRE(oci::write_layout_archive({multi}, s.cache, s.dir / "app.oci.tar"));
    Archive tar = read_archive(s.dir / "app.oci.tar");

    CHECK(tar.members.at("oci-layout").content == "{\"imageLayoutVersion\":\"1.0.0\"}\n");
    auto index = nlohmann::json::parse(tar.members.at("index.json").content);
    REQUIRE(index.at("manifests").size() == 1);
    const auto& entry = index.at("manifests")[0];
    CHECK(entry.at("digest") == s.layout.top("multi").digest);
    CHECK(entry.at("size") == s.layout.top("multi").size);
    CHECK(entry.at("mediaType") == "application/vnd.oci.image.index.v1+json");
    CHECK(entry.at("annotations").at("io.containerd.image.name") ==
          "registry.example.com/team/multi:v1");
    CHECK(entry.at("annotations").at("org.opencontainers.image.ref.name") == "v1");

    // The registry's index bytes, unchanged, so the reference's digest still matches.
    CHECK(tar.members.at(blob_name(multi.top.digest)).content == s.layout.blob(multi.top.digest));
    std::set<std::string> expected{blob_name(multi.top.digest), blob_name(multi.manifest.digest)};
    for (const auto& blob : multi.blobs) expected.insert(blob_name(blob.digest));
    std::set<std::string> blobs;
    for (const auto& [name, member] : tar.members)
        if (name.rfind("blobs/sha256/", 0) == 0 && !member.directory)
            blobs.insert(name);
    CHECK(blobs == expected);  // no arm64 manifest or layer, no attestation
    CHECK(tar.members.count(blob_name(s.layout.manifest("multi", "linux/arm64").digest)) == 0);
    for (const std::string& name : blobs) {
        auto digest = hash::sha256(tar.members.at(name).content);
        REQUIRE(digest);
        CHECK("blobs/sha256/" + hash::to_hex(*digest) == name);
    }
}

TEST_CASE("a layer shared by two images of a group is stored once", "[oci][layout]") {
    Scene s;
    auto single =
        s.layout.locked("tools", "registry.example.com/team/single:v1", "single", "linux/amd64");
    auto other =
        s.layout.locked("tools", "registry.example.com/team/other@" + s.layout.top("other").digest,
                        "other", "linux/amd64");
    REQUIRE(single.blobs.at(1).digest == other.blobs.at(1).digest);  // the "shared" layer
    REQUIRE(oci::write_layout_archive({single, other}, s.cache, s.dir / "tools.oci.tar"));
    Archive tar = read_archive(s.dir / "tools.oci.tar");
    CHECK(tar.count(blob_name(single.blobs.at(1).digest)) == 1);
    CHECK(tar.order.size() == tar.members.size());  // no name twice
    auto index = nlohmann::json::parse(tar.members.at("index.json").content);
    REQUIRE(index.at("manifests").size() == 2);
    std::set<std::string> names;
    for (const auto& entry : index.at("manifests"))
        names.insert(entry.at("annotations").at("io.containerd.image.name"));
    CHECK(names ==
          std::set<std::string>{"registry.example.com/team/single:v1",
                                "registry.example.com/team/other@" + s.layout.top("other").digest});
}

TEST_CASE(
    "the archive is reproducible: sorted entries with owner 0 and mtime 0 and the same bytes twice",
    "[oci][layout]") {
    Scene s;
    std::vector<spec::LockedImage> images{
        s.layout.locked("g", "registry.example.com/team/multi:v1", "multi", "linux/amd64"),
        s.layout.locked("g", "registry.example.com/team/single:v1", "single", "linux/amd64")};
    REQUIRE(oci::write_layout_archive(images, s.cache, s.dir / "a.tar"));
    std::reverse(images.begin(), images.end());
    REQUIRE(oci::write_layout_archive(images, s.cache, s.dir / "b.tar"));
    CHECK(test::read_file(s.dir / "a.tar") == test::read_file(s.dir / "b.tar"));
    Archive tar = read_archive(s.dir / "a.tar");
    CHECK(std::is_sorted(tar.order.begin(), tar.order.end()));
    for (const auto& [name, member] : tar.members) {
        CHECK(member.uid == 0);
        CHECK(member.gid == 0);
        CHECK(member.mtime == 0);
        CHECK(member.mode == (member.directory ? 0755 : 0644));
    }
}

TEST_CASE("a blob missing from the cache is an error naming it and nothing is written",
          "[oci][layout]") {
    TempDir dir;
    Layout layout = make_layout(dir / "layout");
    fetch::Cache cache = open_cache(dir / "cache");
    auto image = layout.locked("g", "registry.example.com/team/single:v1", "single", "linux/amd64");
    for (const std::string& digest : layout.all_digests())
        if (digest != image.blobs.back().digest)
            REQUIRE(cache.insert_bytes(layout.blob(digest)));
    auto written = oci::write_layout_archive({image}, cache, dir / "g.oci.tar");
    REQUIRE_FALSE(written);
    CHECK(written.error().describe().find(image.blobs.back().digest) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir / "g.oci.tar"));
    std::size_t leftovers = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
        if (entry.path().filename().string().rfind(".g.oci.tar", 0) == 0)
            ++leftovers;
    CHECK(leftovers == 0);
}

TEST_CASE("a lock whose size disagrees with the cached blob is refused", "[oci][layout]") {
    Scene s;
    auto image =
        s.layout.locked("g", "registry.example.com/team/single:v1", "single", "linux/amd64");
    image.blobs.back().size += 1;
    auto written = oci::write_layout_archive({image}, s.cache, s.dir / "g.oci.tar");
    REQUIRE_FALSE(written);
    CHECK(written.error().code == Code::digest);
    CHECK_FALSE(std::filesystem::exists(s.dir / "g.oci.tar"));
}
