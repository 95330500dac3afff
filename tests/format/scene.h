// The setting of every security test: a signing key, a work directory for sources and bundle
// files, and an "arena" that is the target's parent. The arena holds only a sentinel file, so
// after a refused bundle the test can say exactly what must be there: no target, no staging
// directory, the sentinel unchanged, and nothing where an escaping entry would have landed.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "format/crafted_bundle.h"
#include "format/extract.h"
#include "format/reader.h"
#include "sign/ed25519.h"
#include "support/temp_dir.h"

namespace Catch {
template <>
struct StringMaker<bundle::Code> {
    static std::string convert(bundle::Code code) { return bundle::code_name(code); }
};
}  // namespace Catch

// Checks that `expr` (a Status or Result) failed with `code_` and a description containing
// `phrase`.
#define CHECK_FAILS_WITH(expr, code_, phrase)                                           \
    do {                                                                                \
        const auto& failed_ = (expr);                                                   \
        REQUIRE_FALSE(static_cast<bool>(failed_));                                      \
        INFO("error: " << failed_.error().describe());                                  \
        CHECK(failed_.error().code == (code_));                                         \
        CHECK_THAT(failed_.error().describe(), Catch::Contains(phrase));                \
    } while (0)

// Requires `expr` (a Status or Result) to have succeeded, showing the error if not.
#define REQUIRE_OK(expr)                                                                \
    do {                                                                                \
        const auto& ok_ = (expr);                                                       \
        INFO("error: " << (ok_ ? std::string() : ok_.error().describe()));              \
        REQUIRE(static_cast<bool>(ok_));                                                \
    } while (0)

namespace bundle::test {

struct HonestFile {
    std::string path;
    std::string content;
    std::uint32_t mode = 0644;
};

// Five files in two directories, about 280 KiB, with multi-chunk members at 64 KiB chunks:
// a.txt, bin/tool, data/big.bin (4 chunks), data/mid.bin (2 chunks), data/zero (empty).
std::vector<HonestFile> default_files();

class Scene {
public:
    Scene();

    TempDir work;
    TempDir arena;
    sign::PrivateKey key;
    std::filesystem::path bundle_path;  // work/x.bundle
    std::filesystem::path target;       // arena/out
    std::filesystem::path sentinel;     // arena/sentinel

    // Writes `files` as sources and bundles them with write_bundle (signed by `signer`, or by
    // `key`); returns the bundle's bytes.
    std::string honest(const std::vector<HonestFile>& files = default_files(),
                       const sign::PrivateKey* signer = nullptr);
    std::string craft(const std::vector<CraftedMember>& members, const CraftOptions& options = {}) const;

    // Writes `bytes` as the bundle file.
    void put(const std::string& bytes) const;
    Result<format::OpenBundle> open() const;
    // The layout of `bytes`, which must open.
    format::Layout layout_of(const std::string& bytes) const;
    static Status verify(const format::OpenBundle& bundle);
    Status extract(const format::OpenBundle& bundle, bool replace = false) const;
    // open, verify and extract `bytes`: the first failure, or success.
    Status install(const std::string& bytes, bool replace = false) const;

    // Names in the arena, sorted.
    std::set<std::string> arena_entries() const;
    // After a refused bundle: the target does not exist, and check_arena().
    void check_untouched(const std::set<std::string>& expected = {}) const;
    // No staging directory is left, the sentinel is unchanged and the arena holds nothing but
    // the sentinel and `expected`.
    void check_arena(const std::set<std::string>& expected) const;
    // True when a ".out.staging-*" directory is left beside the target.
    bool staging_left() const;
    // XORs one byte of the bundle file in place (for loops over many offsets).
    void flip_in_place(std::uint64_t offset) const;
    // Replaces the base64 digit at `offset` of the bundle file with another base64 digit, so
    // that the signature still decodes but no longer matches.
    void alter_base64_digit_in_place(std::uint64_t offset) const;

private:
    std::string sentinel_content_;
};

}  // namespace bundle::test
