#include "format/crafted_bundle.h"

#include <cstring>
#include <random>
#include <stdexcept>

#include "format/layout.h"
#include "format/signature.h"

namespace bundle::test {
namespace {

constexpr std::size_t kSizeField = 124, kChecksumField = 148, kTypeField = 156, kLinkField = 157;
constexpr std::size_t kLinkLength = 100;

void put(std::string& out, std::uint64_t at, std::string_view bytes) {
    if (at + bytes.size() > out.size()) throw std::logic_error("crafted bundle: write past the end");
    std::memcpy(out.data() + at, bytes.data(), bytes.size());
}

void put_octal(std::string& bytes, std::size_t at, std::size_t digits, std::uint64_t value) {
    for (std::size_t i = digits; i-- > 0;) {
        bytes[at + i] = static_cast<char>('0' + (value & 7));
        value >>= 3;
    }
}

format::Member member_of(const CraftedMember& crafted, std::uint64_t chunk_size) {
    format::Member member;
    member.path = crafted.path;
    member.kind = crafted.kind;
    member.mode = crafted.mode;
    member.size = crafted.content.size();
    for (std::uint64_t start = 0; start < member.size; start += chunk_size) {
        std::string_view slice = std::string_view(crafted.content).substr(start, chunk_size);
        auto digest = hash::sha256(slice);
        if (!digest) throw std::runtime_error(digest.error().describe());
        member.chunks.push_back(*digest);
    }
    return member;
}

}  // namespace

std::string craft_bundle(const std::vector<CraftedMember>& members, const sign::PrivateKey& key,
                         const CraftOptions& options) {
    format::Index index;
    index.name = "crafted";
    index.version = 1;
    index.arch = "amd64";
    index.created = options.created;
    index.chunk_size = options.chunk_size;
    for (const CraftedMember& crafted : members) index.members.push_back(member_of(crafted, options.chunk_size));

    // As in the writer: offsets depend on the index size, which depends on the offsets.
    const std::uint64_t signature_size = format::encode_signature(key.public_key(), sign::Signature{}).size();
    std::uint64_t index_size = 0;
    std::string text;
    format::Layout layout;
    for (int round = 0;; ++round) {
        if (round == 16) throw std::logic_error("crafted bundle: layout did not settle");
        layout = format::compute_layout(index, index_size, signature_size);
        format::assign_offsets(index, layout);
        text = format::serialize_index(index);
        if (options.edit_index) text = options.edit_index(text);
        if (text.size() == index_size) break;
        index_size = text.size();
    }
    auto signature = key.sign(text);
    if (!signature) throw std::runtime_error(signature.error().describe());
    std::string signature_text = format::encode_signature(key.public_key(), *signature);

    std::string out(layout.total_size, '\0');
    put(out, layout.index.header, format::encode_header(format::index_entry(text.size(), index.created)));
    put(out, layout.index.data, text);
    put(out, layout.signature.header,
        format::encode_header(format::signature_entry(signature_text.size(), index.created)));
    put(out, layout.signature.data, signature_text);
    for (std::size_t i = 0; i < members.size(); ++i) {
        put(out, layout.members[i].header, format::encode_header(format::tar_entry(index.members[i], index.created)));
        put(out, layout.members[i].data, members[i].content);
    }
    return out;
}

std::string replace_once(std::string text, std::string_view from, std::string_view to) {
    std::size_t at = text.find(from);
    if (at == std::string::npos) throw std::logic_error("replace_once: '" + std::string(from) + "' not found");
    return text.replace(at, from.size(), to);
}

void flip_byte(std::string& bytes, std::uint64_t offset, unsigned char mask) {
    bytes.at(offset) = static_cast<char>(static_cast<unsigned char>(bytes.at(offset)) ^ mask);
}

void fix_checksum(std::string& bytes, std::uint64_t header) {
    if (header + format::kBlock > bytes.size()) throw std::logic_error("fix_checksum: no such header");
    std::memset(bytes.data() + header + kChecksumField, ' ', 8);
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < format::kBlock; ++i) sum += static_cast<unsigned char>(bytes[header + i]);
    put_octal(bytes, header + kChecksumField, 6, sum);  // six digits, NUL, space
    bytes[header + kChecksumField + 6] = '\0';
}

void rewrite_type(std::string& bytes, std::uint64_t header, char typeflag, std::string_view linkname) {
    if (linkname.size() > kLinkLength) throw std::logic_error("rewrite_type: linkname too long");
    bytes.at(header + kTypeField) = typeflag;
    std::memset(bytes.data() + header + kLinkField, 0, kLinkLength);
    std::memcpy(bytes.data() + header + kLinkField, linkname.data(), linkname.size());
    fix_checksum(bytes, header);
}

void rewrite_size(std::string& bytes, std::uint64_t header, std::uint64_t size) {
    put_octal(bytes, header + kSizeField, 11, size);
    bytes.at(header + kSizeField + 11) = '\0';
    fix_checksum(bytes, header);
}

std::string noise(std::size_t size, unsigned seed) {
    std::mt19937 random(seed);
    std::string out(size, '\0');
    for (char& c : out) c = static_cast<char>(random() & 0xff);
    return out;
}

}  // namespace bundle::test
