// The lock's text is written here by hand rather than with YAML::Emitter, so that its layout is
// fixed by this file alone: block style for records, one flow mapping per descriptor, plain
// scalars wherever they read back unchanged and double quotes otherwise.
#include <string>

#include "spec/lock.h"
#include "spec/lock_values.h"

namespace bundle::spec {

bool is_digest(std::string_view text) {
    constexpr std::string_view prefix = "sha256:";
    if (!text.starts_with(prefix) || text.size() != prefix.size() + 64)
        return false;
    return text.substr(prefix.size()).find_first_not_of("0123456789abcdef") ==
           std::string_view::npos;
}

namespace {

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_media_name(std::string_view text) {
    if (text.empty() || !is_alnum(text.front()))
        return false;
    for (char c : text) {
        if (!is_alnum(c) && std::string_view("!#$&^_.+-").find(c) == std::string_view::npos)
            return false;
    }
    return true;
}

// Whether `text` can be written as a plain scalar, in block or flow context, and read back as
// the same string: it starts with a letter or digit, holds none of YAML's indicators that
// matter there (", [ ] { } #" and ": "), does not end with ':', and is not a null.
bool plain_is_safe(std::string_view text) {
    if (text.empty() || !is_alnum(text.front()) || text.back() == ':')
        return false;
    for (char c : text) {
        if (!is_alnum(c) &&
            std::string_view("._/:@%+~=?&;!$^*()'-").find(c) == std::string_view::npos)
            return false;
    }
    return text != "null" && text != "Null" && text != "NULL";
}

// `text` as a YAML scalar: plain when that is safe, else double-quoted with escapes.
std::string scalar(std::string_view text) {
    if (plain_is_safe(text))
        return std::string(text);
    std::string out = "\"";
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20 || byte == 0x7f) {
            constexpr char digits[] = "0123456789abcdef";
            out += "\\x";
            out += digits[byte >> 4];
            out += digits[byte & 0xf];
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string descriptor(const Descriptor& d) {
    return "{digest: " + scalar(d.digest) + ", size: " + std::to_string(d.size) +
           ", mediaType: " + scalar(d.media_type) + "}";
}

// The definition's name for the header comment, on one line whatever it holds.
std::string one_line(std::string text) {
    for (char& c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f)
            c = '?';
    }
    return text;
}

}  // namespace

bool is_media_type(std::string_view text) {
    auto slash = text.find('/');
    return slash != std::string_view::npos && is_media_name(text.substr(0, slash)) &&
           is_media_name(text.substr(slash + 1));
}

std::string render_lock(const Lock& unsorted, const std::string& definition) {
    Lock lock = unsorted;
    sort_lock(lock);
    std::string out = "# Written by `bundle lock` from " + one_line(definition) +
                      ". Do not edit; run `bundle lock` again.\n"
                      "apiVersion: bundle/v1\n"
                      "kind: Lock\n"
                      "image: " +
                      scalar(lock.image) + "\n";
    if (lock.artifacts.empty())
        out += "artifacts: []\n";
    else
        out += "artifacts:\n";
    for (const LockedArtifact& a : lock.artifacts) {
        out += "  - name: " + scalar(a.name) + "\n";
        out += "    url: " + scalar(a.url) + "\n";
        out += "    size: " + std::to_string(a.size) + "\n";
        out += "    sha256: " + scalar(a.sha256) + "\n";
        out += "    pin: " + scalar(a.pin) + "\n";
    }
    if (lock.images.empty())
        out += "images: []\n";
    else
        out += "images:\n";
    for (const LockedImage& image : lock.images) {
        out += "  - group: " + scalar(image.group) + "\n";
        out += "    reference: " + scalar(image.reference) + "\n";
        out += "    digest: " + scalar(image.top.digest) + "\n";
        out += "    mediaType: " + scalar(image.top.media_type) + "\n";
        out += "    size: " + std::to_string(image.top.size) + "\n";
        out += "    manifest: " + descriptor(image.manifest) + "\n";
        if (image.blobs.empty())
            out += "    blobs: []\n";
        else
            out += "    blobs:\n";
        for (const Descriptor& blob : image.blobs) out += "      - " + descriptor(blob) + "\n";
    }
    return out;
}

std::filesystem::path lock_path_for(const std::filesystem::path& definition) {
    std::filesystem::path lock = definition;
    if (lock.extension() == ".yaml" || lock.extension() == ".yml")
        lock.replace_extension();
    lock += ".lock.yaml";
    return lock;
}

}  // namespace bundle::spec
