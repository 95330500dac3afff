#include "format/layout.h"

#include "format/member_path.h"

namespace bundle::format {

TarEntry tar_entry(const Member& member, std::int64_t mtime) {
    return TarEntry{member.path, member.kind, member.mode, member.size, mtime};
}

TarEntry index_entry(std::uint64_t size, std::int64_t mtime) {
    return TarEntry{kIndexName, Kind::file, 0644, size, mtime};
}

TarEntry signature_entry(std::uint64_t size, std::int64_t mtime) {
    return TarEntry{kSignatureName, Kind::file, 0644, size, mtime};
}

Layout compute_layout(const Index& index, std::uint64_t index_size, std::uint64_t signature_size) {
    Layout layout;
    std::uint64_t at = 0;
    auto place = [&at](const TarEntry& entry) {
        Span span;
        span.header = at;
        span.data = at + encode_header(entry).size();
        span.size = entry.size;
        at = span.end();
        return span;
    };
    layout.index = place(index_entry(index_size, index.created));
    layout.signature = place(signature_entry(signature_size, index.created));
    layout.members.reserve(index.members.size());
    for (const Member& member : index.members)
        layout.members.push_back(place(tar_entry(member, index.created)));
    layout.end_of_archive = at;
    layout.total_size = at + 2 * kBlock;
    return layout;
}

void assign_offsets(Index& index, const Layout& layout) {
    for (std::size_t i = 0; i < index.members.size(); ++i)
        index.members[i].offset = layout.members[i].data;
}

}  // namespace bundle::format
