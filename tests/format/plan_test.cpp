#include <catch2/catch.hpp>

#include <set>

#include "format/verify.h"

using namespace bundle::format;

TEST_CASE("plan_chunks lists every chunk once and interleaves files", "[format][plan]") {
    Index index;
    index.members.push_back(Member{"d", Kind::directory, 0755, 0, 0, {}});
    index.members.push_back(Member{"d/a", Kind::file, 0644, 3 * kDefaultChunkSize, 0, std::vector<bundle::hash::Sha256Digest>(3)});
    index.members.push_back(Member{"d/b", Kind::file, 0644, 2 * kDefaultChunkSize, 0, std::vector<bundle::hash::Sha256Digest>(2)});
    index.members.push_back(Member{"d/c", Kind::file, 0644, 0, 0, {}});
    index.members.push_back(Member{"d/e", Kind::file, 0644, 5, 0, std::vector<bundle::hash::Sha256Digest>(1)});

    std::vector<ChunkRef> refs = plan_chunks(index);
    std::set<std::pair<std::size_t, std::uint64_t>> seen;
    for (const ChunkRef& r : refs) CHECK(seen.insert({r.member, r.chunk}).second);
    CHECK(refs.size() == 1 + 3 + 2 + 1 + 1);  // directories and empty files get one item
    // Neighbours, which run at the same time, are never two chunks of one file.
    for (std::size_t i = 1; i < refs.size(); ++i)
        if (index.members[refs[i].member].chunks.size() > 1) CHECK(refs[i].member != refs[i - 1].member);
}
