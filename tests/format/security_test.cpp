// Issue point 8: every attack on a bundle gets its own named test (TESTING.md, "Bad input and
// faults"). Each asserts the exact error code and a phrase of the message, and that a refused
// bundle leaves no target, no staging directory, an unchanged sentinel beside the target, and
// nothing where an escaping entry would have landed (Scene::check_untouched).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <random>

#include "format/scene.h"
#include "format/verify.h"
#include "format/writer.h"

using namespace bundle;
using namespace bundle::test;
using format::Kind;
namespace fs = std::filesystem;

namespace {

std::size_t member_index(const format::Index& index, std::string_view path) {
    for (std::size_t i = 0; i < index.members.size(); ++i)
        if (index.members[i].path == path) return i;
    throw std::logic_error("no member " + std::string(path));
}

std::uint32_t mode_of(const fs::path& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) throw std::runtime_error("cannot stat " + path.string());
    return st.st_mode & 07777;
}

// A signed bundle holding a harmless file and `name`; it must be refused as an unsafe path, and
// nothing may appear at `landing` (by default arena/x, beside the target), where the entry would
// escape to.
void expect_unsafe_name(const std::string& name, const std::string& phrase, const fs::path& landing = {}) {
    Scene scene;
    const fs::path where = landing.empty() ? scene.arena / "x" : landing;
    const bool landed_before = fs::exists(fs::symlink_status(where));
    std::string bytes = scene.craft({{"a.txt", Kind::file, 0644, "harmless\n"}, {name, Kind::file, 0644, "escaped\n"}});
    CHECK_FAILS_WITH(scene.install(bytes), Code::unsafe_path, phrase);
    scene.check_untouched();
    if (!landed_before) CHECK_FALSE(fs::exists(fs::symlink_status(where)));
}

// A signed index whose member "evil" has the kind `kind`.
void expect_kind_refused(const std::string& kind) {
    Scene scene;
    CraftOptions options;
    options.edit_index = [&kind](std::string text) {
        return replace_once(std::move(text), R"("path":"evil","kind":"file")", R"("path":"evil","kind":")" + kind + '"');
    };
    std::string bytes = scene.craft({{"a.txt", Kind::file, 0644, "harmless\n"}, {"evil", Kind::file, 0644, ""}}, options);
    CHECK_FAILS_WITH(scene.install(bytes), Code::unsafe_path, "evil: kind \"" + kind + "\" is not file or directory");
    scene.check_untouched();
}

// An honest bundle whose empty member data/zero has its tar typeflag (and linkname) rewritten, with
// a valid checksum: a well-formed tar that says link, device or fifo where the index says file.
void expect_typeflag_refused(Scene& scene, char typeflag, const std::string& linkname) {
    std::string bytes = scene.honest();
    format::Layout layout = scene.layout_of(bytes);
    auto index = scene.open()->index;
    rewrite_type(bytes, layout.members[member_index(index, "data/zero")].header, typeflag, linkname);
    scene.put(bytes);
    auto bundle = scene.open();
    REQUIRE_OK(bundle);  // member headers are checked with the payload, not at open
    CHECK_FAILS_WITH(Scene::verify(*bundle), Code::structure, "data/zero: tar header differs");
    CHECK_FAILS_WITH(scene.extract(*bundle), Code::structure, "data/zero: tar header differs");
    scene.check_untouched();
}

}  // namespace

TEST_CASE("an honest bundle extracts to exactly its files (baseline for the attacks)", "[format][security]") {
    Scene scene;
    REQUIRE_OK(scene.install(scene.honest()));
    for (const HonestFile& file : default_files()) {
        CHECK(read_file(scene.target / file.path) == file.content);
        CHECK(mode_of(scene.target / file.path) == file.mode);
    }
    scene.check_arena({"out"});
}

// --- names that escape the target ---------------------------------------------------------------

TEST_CASE("a signed entry named ../x is refused", "[format][security]") {
    expect_unsafe_name("../x", "'..' component");
}

TEST_CASE("a signed entry named /etc/x is refused", "[format][security]") {
    expect_unsafe_name("/etc/x", "absolute member name", "/etc/x");
}

TEST_CASE("a signed entry with an absolute path into another directory is refused", "[format][security]") {
    TempDir elsewhere;
    expect_unsafe_name((elsewhere / "x").string(), "absolute member name", elsewhere / "x");
}

TEST_CASE("a signed entry named a/../../x is refused", "[format][security]") {
    expect_unsafe_name("a/../../x", "'..' component");
}

TEST_CASE("a signed entry with an empty name is refused", "[format][security]") {
    expect_unsafe_name("", "(empty name): empty member name");
}

TEST_CASE("a signed entry with a 300-byte name is refused", "[format][security]") {
    expect_unsafe_name(std::string(300, 'x'), "member name longer than 255 bytes");
}

// --- links, devices and fifos said by the signed index ------------------------------------------

TEST_CASE("a signed index entry of kind symlink is refused", "[format][security]") {
    expect_kind_refused("symlink");
}

TEST_CASE("a signed index entry of kind hardlink is refused", "[format][security]") {
    expect_kind_refused("hardlink");
}

TEST_CASE("a signed index entry of kind character device is refused", "[format][security]") {
    expect_kind_refused("character-device");
}

TEST_CASE("a signed index entry of kind block device is refused", "[format][security]") {
    expect_kind_refused("block-device");
}

TEST_CASE("a signed index entry of kind fifo is refused", "[format][security]") {
    expect_kind_refused("fifo");
}

// --- links, devices and fifos said by a rewritten tar header ------------------------------------

TEST_CASE("a tar header rewritten to a symlink to /etc/passwd is refused", "[format][security]") {
    Scene scene;
    expect_typeflag_refused(scene, '2', "/etc/passwd");
}

TEST_CASE("a tar header rewritten to a symlink to the sentinel is refused, nothing written through it",
          "[format][security]") {
    Scene scene;
    expect_typeflag_refused(scene, '2', scene.sentinel.string());
}

TEST_CASE("a tar header rewritten to a hardlink to the sentinel is refused", "[format][security]") {
    Scene scene;
    expect_typeflag_refused(scene, '1', scene.sentinel.string());
}

TEST_CASE("a tar header rewritten to a character device is refused", "[format][security]") {
    Scene scene;
    expect_typeflag_refused(scene, '3', "");
}

TEST_CASE("a tar header rewritten to a block device is refused", "[format][security]") {
    Scene scene;
    expect_typeflag_refused(scene, '4', "");
}

TEST_CASE("a tar header rewritten to a fifo is refused", "[format][security]") {
    Scene scene;
    expect_typeflag_refused(scene, '6', "");
}

// --- the target ---------------------------------------------------------------------------------

TEST_CASE("a symlink as the target directory is refused, its destination untouched", "[format][security]") {
    Scene scene;
    const bool replace = GENERATE(false, true);
    INFO("replace: " << replace);
    std::string bytes = scene.honest();
    write_file(scene.arena / "elsewhere" / "keep", "kept\n");
    fs::create_directory_symlink(scene.arena / "elsewhere", scene.target);
    CHECK_FAILS_WITH(scene.install(bytes, replace), Code::unsafe_path, "out: is a symbolic link");
    CHECK(fs::is_symlink(scene.target));
    CHECK(read_file(scene.arena / "elsewhere" / "keep") == "kept\n");
    CHECK(std::distance(fs::directory_iterator(scene.arena / "elsewhere"), {}) == 1);
    scene.check_arena({"out", "elsewhere"});
}

TEST_CASE("an existing non-empty target is refused without replace, its contents untouched", "[format][security]") {
    Scene scene;
    std::string bytes = scene.honest();
    write_file(scene.target / "old", "old content\n");
    CHECK_FAILS_WITH(scene.install(bytes), Code::io, "out: is not empty");
    CHECK(read_file(scene.target / "old") == "old content\n");
    CHECK(std::distance(fs::directory_iterator(scene.target), {}) == 1);
    scene.check_arena({"out"});
}

TEST_CASE("with replace an existing target is swapped for the new tree and the old content is gone",
          "[format][security]") {
    Scene scene;
    std::string bytes = scene.honest();
    write_file(scene.target / "old", "old content\n");
    REQUIRE_OK(scene.install(bytes, true));
    CHECK_FALSE(fs::exists(scene.target / "old"));
    CHECK(read_file(scene.target / "a.txt") == default_files()[0].content);
    scene.check_arena({"out"});
}

TEST_CASE("a target whose parent directory is missing is an io error", "[format][security]") {
    Scene scene;
    std::string bytes = scene.honest();
    scene.put(bytes);
    auto bundle = scene.open();
    REQUIRE_OK(bundle);
    Status status = format::extract_bundle(*bundle, (scene.arena / "missing" / "out").string(), {2, false, nullptr});
    CHECK_FAILS_WITH(status, Code::io, "cannot open the target's parent directory");
    scene.check_untouched();
}

TEST_CASE("a bundle opened without a key is not extracted", "[format][security]") {
    Scene scene;
    scene.put(scene.honest());
    auto bundle = format::open_bundle(scene.bundle_path.string(), nullptr);
    REQUIRE_OK(bundle);
    CHECK_FAILS_WITH(scene.extract(*bundle), Code::signature, "signature was not checked");
    scene.check_untouched();
}

// --- modes --------------------------------------------------------------------------------------

// A signed index cannot carry a setuid, setgid or sticky bit at all (index.cpp parse_mode): such
// an index is refused as a whole, before anything is written.
TEST_CASE("a setuid, setgid or sticky mode in a signed index is refused", "[format][security]") {
    struct Case {
        const char* mode;
        CraftedMember member;
    };
    const Case c = GENERATE(Case{"4755", {"tool", Kind::file, 04755, "#!/bin/sh\n"}},
                            Case{"2755", {"tool", Kind::file, 02755, "#!/bin/sh\n"}},
                            Case{"6755", {"tool", Kind::file, 06755, "#!/bin/sh\n"}},
                            Case{"4755", {"tool", Kind::file, 04755, noise(130 * 1024, 7)}},  // multi-chunk
                            Case{"2755", {"tool", Kind::directory, 02755, ""}},
                            Case{"1777", {"tool", Kind::directory, 01777, ""}});
    INFO("mode " << c.mode << " on a " << format::kind_name(c.member.kind));
    Scene scene;
    std::string bytes = scene.craft({{"a.txt", Kind::file, 0644, "harmless\n"}, c.member});
    CHECK_FAILS_WITH(scene.install(bytes), Code::unsafe_path,
                     std::string("member 'tool': mode '") + c.mode + "' has a setuid, setgid or sticky bit");
    scene.check_untouched();
}

TEST_CASE("write_bundle refuses a source with a setuid or setgid bit", "[format][security]") {
    Scene scene;
    const std::uint32_t mode = GENERATE(04755u, 02755u);
    write_file(scene.work / "tool", "#!/bin/sh\n");
    format::WriteOptions options;
    options.name = "x";
    options.key = &scene.key;
    auto written = format::write_bundle({format::Source{"bin/tool", Kind::file, mode, (scene.work / "tool").string(), {}, {}}},
                                        options, scene.bundle_path.string());
    CHECK_FAILS_WITH(written, Code::unsafe_path, "has a setuid, setgid or sticky bit");
    CHECK_FALSE(fs::exists(scene.bundle_path));
}

// --- the index against the tar ------------------------------------------------------------------

TEST_CASE("a duplicate path in the signed index is refused", "[format][security]") {
    Scene scene;
    std::string bytes = scene.craft({{"a.txt", Kind::file, 0644, "one\n"}, {"a.txt", Kind::file, 0644, "two\n"}});
    CHECK_FAILS_WITH(scene.install(bytes), Code::structure, "member 'a.txt': is listed twice");
    scene.check_untouched();
}

TEST_CASE("a tar entry that the index does not list is refused", "[format][security]") {
    Scene scene;
    std::string bytes = scene.honest();
    format::Layout layout = scene.layout_of(bytes);
    std::string extra = format::encode_header({"extra.sh", Kind::file, 0755, 10, kCreated}) + "echo evil\n";
    extra.resize(format::padded(extra.size()), '\0');
    bytes.insert(layout.end_of_archive, extra);  // a well-formed tar with one more member
    CHECK_FAILS_WITH(scene.install(bytes), Code::structure, "bytes of trailing data after the end of the archive");
    scene.check_untouched();
}

TEST_CASE("an index entry whose member is missing from the tar is refused", "[format][security]") {
    Scene scene;
    std::string bytes = scene.honest();
    format::Layout layout = scene.layout_of(bytes);
    auto index = scene.open()->index;
    std::size_t tool = member_index(index, "bin/tool");
    bytes.erase(layout.members[tool].header, layout.members[tool + 1].header - layout.members[tool].header);
    CHECK_FAILS_WITH(scene.install(bytes), Code::structure, "truncated: the index describes");
    scene.check_untouched();
}

TEST_CASE("a member longer than its index entry is refused", "[format][security]") {
    Scene scene;
    std::string bytes = scene.honest();
    format::Layout layout = scene.layout_of(bytes);
    auto index = scene.open()->index;

    SECTION("grown into its padding: the file size is unchanged, the header is caught") {
        std::size_t a = member_index(index, "a.txt");  // 1000 bytes, padded to 1024
        rewrite_size(bytes, layout.members[a].header, 1020);
        bytes.replace(layout.members[a].data + 1000, 20, std::string(20, 'X'));
        scene.put(bytes);
        auto bundle = scene.open();
        REQUIRE_OK(bundle);
        CHECK_FAILS_WITH(Scene::verify(*bundle), Code::structure, "a.txt: tar header differs");
        CHECK_FAILS_WITH(scene.extract(*bundle), Code::structure, "a.txt: tar header differs");
    }
    SECTION("grown by whole blocks as the last member: the file is longer than the index says") {
        std::size_t zero = member_index(index, "data/zero");
        REQUIRE(zero + 1 == index.members.size());
        rewrite_size(bytes, layout.members[zero].header, 1024);
        bytes.insert(layout.end_of_archive, noise(1024, 9));
        CHECK_FAILS_WITH(scene.install(bytes), Code::structure, "1024 bytes of trailing data");
    }
    scene.check_untouched();
}

// --- flipped bytes ------------------------------------------------------------------------------

TEST_CASE("one byte flipped in the data of each member is a digest error naming it", "[format][security]") {
    Scene scene;
    const std::string honest = scene.honest();
    const format::Layout layout = scene.layout_of(honest);
    const format::Index index = scene.open()->index;
    int flipped = 0;
    for (std::size_t m = 0; m < index.members.size(); ++m) {
        const format::Member& member = index.members[m];
        if (member.size == 0) continue;
        for (std::uint64_t at : {std::uint64_t{0}, member.size / 2, member.size - 1}) {
            INFO("member " << member.path << ", data byte " << at);
            std::string bytes = honest;
            flip_byte(bytes, layout.members[m].data + at);
            scene.put(bytes);
            auto bundle = scene.open();
            REQUIRE_OK(bundle);
            CHECK_FAILS_WITH(Scene::verify(*bundle), Code::digest, member.path + ": content does not match the index");
            CHECK_FAILS_WITH(scene.extract(*bundle), Code::digest, member.path + ": content does not match the index");
            scene.check_untouched();
            ++flipped;
        }
    }
    CHECK(flipped == 4 * 3);
}

TEST_CASE("one byte flipped in a member's tar header is a structure error naming it", "[format][security]") {
    Scene scene;
    scene.put(scene.honest());
    const format::Index index = scene.open()->index;
    const format::Layout layout = scene.open()->layout;
    for (std::size_t m = 0; m < index.members.size(); ++m) {
        for (std::uint64_t field : {0u, 100u, 148u, 257u}) {  // name, mode, checksum, magic
            INFO("member " << index.members[m].path << ", header byte " << field);
            scene.flip_in_place(layout.members[m].header + field);
            auto bundle = scene.open();
            REQUIRE_OK(bundle);
            CHECK_FAILS_WITH(Scene::verify(*bundle), Code::structure, index.members[m].path + ": tar header differs");
            CHECK_FAILS_WITH(scene.extract(*bundle), Code::structure, index.members[m].path + ": tar header differs");
            scene.check_untouched();
            scene.flip_in_place(layout.members[m].header + field);  // restore
        }
    }
}

TEST_CASE("one byte flipped in the padding after a member's data is a structure error", "[format][security]") {
    Scene scene;
    scene.put(scene.honest());
    const format::Index index = scene.open()->index;
    const format::Layout layout = scene.open()->layout;
    int flipped = 0;
    for (std::size_t m = 0; m < index.members.size(); ++m) {
        const format::Span& span = layout.members[m];
        if (format::padded(span.size) == span.size) continue;
        for (std::uint64_t at : {span.data + span.size, span.end() - 1}) {
            INFO("member " << index.members[m].path << ", byte " << at);
            scene.flip_in_place(at);
            auto bundle = scene.open();
            REQUIRE_OK(bundle);
            CHECK_FAILS_WITH(Scene::verify(*bundle), Code::structure,
                             index.members[m].path + ": non-zero bytes in the padding after the data");
            CHECK_FAILS_WITH(scene.extract(*bundle), Code::structure, "non-zero bytes in the padding");
            scene.check_untouched();
            scene.flip_in_place(at);
            ++flipped;
        }
    }
    CHECK(flipped == 3 * 2);  // a.txt, bin/tool and data/big.bin end inside a block
}

TEST_CASE("any byte flipped in the index is a signature error", "[format][security]") {
    Scene scene;
    scene.put(scene.honest());
    const format::Span span = scene.open()->layout.index;
    REQUIRE(span.size > 1000);
    for (std::uint64_t at = span.data; at < span.data + span.size; ++at) {
        scene.flip_in_place(at);
        auto bundle = scene.open();
        if (bundle || bundle.error().code != Code::signature ||
            bundle.error().describe().find("the index or its signature was altered") == std::string::npos) {
            INFO("index byte " << at - span.data);
            CHECK_FAILS_WITH(bundle, Code::signature, "the index or its signature was altered");
        }
        scene.flip_in_place(at);
    }
    scene.check_untouched();
}

TEST_CASE("any byte flipped in the signature line is a signature error", "[format][security]") {
    Scene scene;
    scene.put(scene.honest());
    const format::Span span = scene.open()->layout.signature;
    for (std::uint64_t at = span.data; at < span.data + span.size; ++at) {
        INFO("signature byte " << at - span.data);
        scene.flip_in_place(at);
        CHECK_FAILS_WITH(scene.open(), Code::signature, "index.json.sig: ");
        scene.flip_in_place(at);
    }
    SECTION("in the base64, to another base64 digit: a mismatch") {
        scene.alter_base64_digit_in_place(span.data + span.size - 40);
        CHECK_FAILS_WITH(scene.open(), Code::signature, "the index or its signature was altered");
    }
    scene.check_untouched();
}

TEST_CASE("one byte flipped in the end-of-archive blocks is a structure error", "[format][security]") {
    Scene scene;
    scene.put(scene.honest());
    const format::Layout layout = scene.open()->layout;
    for (std::uint64_t at : {layout.end_of_archive, layout.end_of_archive + 600, layout.total_size - 1}) {
        INFO("byte " << at);
        scene.flip_in_place(at);
        CHECK_FAILS_WITH(scene.open(), Code::structure, "non-zero bytes in the end-of-archive blocks");
        scene.flip_in_place(at);
    }
    scene.check_untouched();
}

// --- signers ------------------------------------------------------------------------------------

TEST_CASE("a bundle signed by another key is refused", "[format][security]") {
    Scene scene;
    auto other = sign::PrivateKey::generate();
    REQUIRE_OK(other);
    std::string bytes = scene.honest(default_files(), &*other);
    CHECK_FAILS_WITH(scene.install(bytes), Code::signature, "index.json.sig: signed by another key");
    scene.check_untouched();
}

TEST_CASE("an unsigned bundle is refused", "[format][security]") {
    Scene scene;
    std::string bytes = scene.honest();
    format::Layout layout = scene.layout_of(bytes);
    SECTION("no index.json.sig member at all") {
        bytes.erase(layout.signature.header, layout.members[0].header - layout.signature.header);
    }
    SECTION("the second member renamed") {
        bytes[layout.signature.header + 13] = 'x';  // index.json.six
        fix_checksum(bytes, layout.signature.header);
    }
    CHECK_FAILS_WITH(scene.install(bytes), Code::signature, "unsigned: the second member is not index.json.sig");
    scene.check_untouched();
}

TEST_CASE("trailing garbage after the end of the archive is refused", "[format][security]") {
    Scene scene;
    const std::string honest = scene.honest();
    const std::size_t extra = GENERATE(1u, 512u, 10240u);
    INFO("appended bytes: " << extra);
    CHECK_FAILS_WITH(scene.install(honest + noise(extra, 11)), Code::structure,
                     std::to_string(extra) + " bytes of trailing data after the end of the archive");
    scene.check_untouched();
}

// --- truncation ---------------------------------------------------------------------------------

TEST_CASE("a bundle truncated at any 512-byte boundary of its first 64 KiB or at random points after is refused",
          "[format][security]") {
    Scene scene;
    const std::string honest = scene.honest();
    REQUIRE(honest.size() > 256 * 1024);
    std::vector<std::size_t> cuts;
    for (std::size_t cut = 0; cut <= 64 * 1024; cut += 512) cuts.push_back(cut);
    std::mt19937 random(20240608);
    std::uniform_int_distribution<std::size_t> after(64 * 1024 + 1, honest.size() - 1);
    for (int i = 0; i < 50; ++i) cuts.push_back(after(random));

    for (std::size_t cut : cuts) {
        INFO("truncated to " << cut << " of " << honest.size() << " bytes");
        Status status = scene.install(honest.substr(0, cut));
        REQUIRE_FALSE(status);
        INFO("error: " << status.error().describe());
        CHECK(status.error().code == Code::structure);
        const std::string& message = status.error().message;
        CHECK((message.find("truncated") != std::string::npos || (cut == 0 && message.find("empty file") != std::string::npos)));
        scene.check_untouched();
    }
}

// --- cost of a forged signature -----------------------------------------------------------------

TEST_CASE("a tampered signature is refused before any payload is read", "[format][security]") {
    Scene scene;
    const fs::path image = scene.work / "disk.img";
    constexpr off_t kSize = 256 << 20;
    {
        UniqueFd fd(::open(image.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
        REQUIRE(fd.valid());
        REQUIRE(::ftruncate(fd.get(), kSize) == 0);
    }
    format::WriteOptions options;
    options.name = "big";
    options.arch = "amd64";
    options.created = kCreated;
    options.jobs = 2;
    options.key = &scene.key;
    REQUIRE_OK(format::write_bundle({format::Source{"disk.img", Kind::file, 0644, image.string(), {}, {}}}, options,
                                    scene.bundle_path.string()));
    const format::Span signature = scene.open()->layout.signature;
    scene.alter_base64_digit_in_place(signature.data + signature.size - 40);
    {  // drop the payload from the page cache, so that reading it would show in the time
        UniqueFd fd(::open(scene.bundle_path.c_str(), O_RDONLY | O_CLOEXEC));
        REQUIRE(fd.valid());
        REQUIRE(::fdatasync(fd.get()) == 0);
        CHECK(::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED) == 0);
    }

    const auto start = std::chrono::steady_clock::now();
    auto bundle = scene.open();
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    WARN("open_bundle of a " << (fs::file_size(scene.bundle_path) >> 20) << " MiB bundle with a tampered signature took "
                             << took.count() * 1000 << " ms");
    CHECK_FAILS_WITH(bundle, Code::signature, "the index or its signature was altered");
    CHECK(took.count() < 0.5);
    scene.check_untouched();
}
