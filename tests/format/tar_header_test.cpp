// The headers the writer emits must read back, through libarchive, as exactly the entry they
// encode: short names, names split into ustar's prefix, names only pax can carry, sizes past
// ustar's 8 GiB.
#include <archive.h>
#include <archive_entry.h>
#include <catch2/catch.hpp>

#include "format/tar_header.h"

using namespace bundle::format;

namespace {

struct ReadBack {
    std::string path;
    std::int64_t size = 0;
    unsigned mode = 0;
    std::int64_t mtime = 0;
    bool directory = false;
};

// Parses one header (plus zero blocks after it) with libarchive.
ReadBack read_back(const std::string& header) {
    std::string tar = header + std::string(2 * kBlock, '\0');
    archive* a = archive_read_new();
    archive_read_support_format_tar(a);
    REQUIRE(archive_read_open_memory(a, tar.data(), tar.size()) == ARCHIVE_OK);
    archive_entry* entry = nullptr;
    REQUIRE(archive_read_next_header(a, &entry) == ARCHIVE_OK);
    ReadBack out{archive_entry_pathname(entry), archive_entry_size(entry),
                 static_cast<unsigned>(archive_entry_perm(entry)), archive_entry_mtime(entry),
                 archive_entry_filetype(entry) == AE_IFDIR};
    archive_read_free(a);
    return out;
}

}  // namespace

TEST_CASE("a short file name is a single ustar block", "[format][tar]") {
    std::string header = encode_header({"data/big.bin", Kind::file, 0644, 1234, 1700000000});
    CHECK(header.size() == kBlock);
    CHECK(header.compare(257, 6, std::string("ustar\0", 6)) == 0);
    ReadBack r = read_back(header);
    CHECK(r.path == "data/big.bin");
    CHECK(r.size == 1234);
    CHECK(r.mode == 0644);
    CHECK(r.mtime == 1700000000);
    CHECK_FALSE(r.directory);
}

TEST_CASE("a directory ends in a slash and has typeflag 5", "[format][tar]") {
    std::string header = encode_header({"payload/bin", Kind::directory, 0755, 0, 0});
    CHECK(header[156] == '5');
    ReadBack r = read_back(header);
    CHECK(r.directory);
    CHECK(r.path == "payload/bin/");
}

TEST_CASE("a long name is split into ustar prefix and name", "[format][tar]") {
    std::string path = std::string(150, 'd') + "/" + std::string(90, 'f');
    std::string header = encode_header({path, Kind::file, 0600, 1, 0});
    CHECK(header.size() == kBlock);
    CHECK(read_back(header).path == path);
}

TEST_CASE("a name that cannot be split goes into a pax header", "[format][tar]") {
    std::string path = std::string(120, 'a') + "/" + std::string(120, 'b');
    std::string header = encode_header({path, Kind::file, 0644, 7, 0});
    CHECK(header.size() == 3 * kBlock);  // pax header, its records, the ustar header
    CHECK(header[156] == 'x');
    CHECK(read_back(header).path == path);
}

TEST_CASE("a size of 8 GiB or more goes into a pax header", "[format][tar]") {
    std::uint64_t size = 10ULL << 30;
    std::string header = encode_header({"k3s/images.tar.zst", Kind::file, 0644, size, 0});
    CHECK(header.size() == 3 * kBlock);
    CHECK(read_back(header).size == static_cast<std::int64_t>(size));
}

TEST_CASE("encoding is deterministic", "[format][tar]") {
    TarEntry entry{"a/b", Kind::file, 0755, 99, 5};
    CHECK(encode_header(entry) == encode_header(entry));
    TarEntry other = entry;
    other.mode = 0644;
    CHECK(encode_header(entry) != encode_header(other));
}

TEST_CASE("parse_octal reads tar numbers and refuses anything else", "[format][tar]") {
    std::uint64_t v = 0;
    CHECK(parse_octal(std::string_view("00000001750\0", 12), v));
    CHECK(v == 01750);
    CHECK_FALSE(parse_octal("", v));
    CHECK_FALSE(parse_octal("12a", v));
    CHECK_FALSE(parse_octal("9", v));
}
