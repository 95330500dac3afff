#include "build/chart_values.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <string_view>
#include <utility>

#include "build/yaml_values.h"
#include "spec/small_file.h"

namespace bundle::build {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t max_chart_values = 8 * 1024 * 1024;
constexpr std::uint64_t max_our_values = 1024 * 1024;

struct ReadFree {
    void operator()(archive* a) const { archive_read_free(a); }
};
using ReaderPtr = std::unique_ptr<archive, ReadFree>;

Error not_a_chart(const fs::path& chart, const std::string& label, archive* a) {
    const char* why = archive_error_string(a);
    return Error{Code::invalid_input, chart.string(),
                 label + " is not a chart archive (.tgz): " +
                     (why != nullptr ? why : "libarchive could not read it")};
}

// The chart folder of `path` when `path` is "<chart>/values.yaml" (an optional leading "./"
// aside), else an empty view.
std::string_view chart_of_values(std::string_view path) {
    if (path.starts_with("./"))
        path.remove_prefix(2);
    auto slash = path.find('/');
    if (slash == 0 || slash == std::string_view::npos || path.substr(slash + 1) != "values.yaml")
        return {};
    return path.substr(0, slash);
}

Result<std::string> read_entry(archive* a, const fs::path& chart, const std::string& label,
                               const std::string& name) {
    std::string data;
    char buffer[64 * 1024];
    while (true) {
        la_ssize_t n = archive_read_data(a, buffer, sizeof buffer);
        if (n < 0)
            return not_a_chart(chart, label, a);
        if (n == 0)
            return data;
        data.append(buffer, static_cast<std::size_t>(n));
        if (data.size() > max_chart_values) {
            return Error{Code::invalid_input, chart.string(),
                         label + ": " + name + " is larger than 8 MiB"};
        }
    }
}

// The text of the chart's own values.yaml.
Result<std::string> values_in_archive(const fs::path& chart, const std::string& label) {
    std::error_code ec;
    if (!fs::is_regular_file(chart, ec))
        return Error{Code::io, chart.string(), "cannot read " + label + ": not a regular file"};
    ReaderPtr a(archive_read_new());
    if (!a)
        return Error{Code::internal, chart.string(), "out of memory"};
    if (archive_read_support_filter_gzip(a.get()) != ARCHIVE_OK ||
        archive_read_support_format_tar(a.get()) != ARCHIVE_OK ||
        archive_read_open_filename(a.get(), chart.c_str(), 64 * 1024) != ARCHIVE_OK)
        return not_a_chart(chart, label, a.get());
    std::optional<std::string> found;  // the entry's name
    std::string text;
    archive_entry* entry = nullptr;
    while (true) {
        int status = archive_read_next_header(a.get(), &entry);
        if (status == ARCHIVE_EOF)
            break;
        if (status < ARCHIVE_WARN)
            return not_a_chart(chart, label, a.get());
        const char* path = archive_entry_pathname(entry);
        std::string_view top = chart_of_values(path != nullptr ? path : "");
        if (top.empty() || archive_entry_filetype(entry) != AE_IFREG)
            continue;
        if (found) {
            return Error{Code::invalid_input, chart.string(),
                         label + " holds " + *found + " and " + path +
                             "; a chart archive has a single top folder"};
        }
        found = path;
        auto data = read_entry(a.get(), chart, label, *found);
        if (!data)
            return std::move(data).error();
        text = std::move(*data);
    }
    if (!found) {
        return Error{Code::invalid_input, chart.string(),
                     label + " has no <chart>/values.yaml; is it a Helm chart archive?"};
    }
    return text;
}

// A values document: a mapping, or nothing at all (an empty file is no values).
Result<YAML::Node> parse_values(const std::string& text, const std::string& what,
                                const std::string& where) {
    try {
        YAML::Node node = YAML::Load(text);
        if (!node.IsDefined() || node.IsNull())
            return YAML::Node(YAML::NodeType::Map);
        if (!node.IsMap()) {
            return Error{Code::invalid_input, where,
                         what + " must be a mapping of values, found " +
                             (node.IsSequence() ? "a sequence" : "a scalar")};
        }
        return node;
    } catch (const YAML::Exception& e) {
        return Error{Code::invalid_input, where,
                     what + " is not valid YAML: line " + std::to_string(e.mark.line + 1) +
                         ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg};
    }
}

}  // namespace

YAML::Node merge_values(const YAML::Node& base, const YAML::Node& over) {
    if (!base.IsMap() || !over.IsMap())
        return YAML::Clone(over);
    YAML::Node out(YAML::NodeType::Map);
    for (const auto& pair : base) {
        if (!pair.first.IsScalar())
            continue;
        const std::string& key = pair.first.Scalar();
        auto replacement = find_key(over, key);
        out[key] = replacement ? merge_values(pair.second, *replacement) : YAML::Clone(pair.second);
    }
    for (const auto& pair : over) {
        if (pair.first.IsScalar() && !find_key(base, pair.first.Scalar()))
            out[pair.first.Scalar()] = YAML::Clone(pair.second);
    }
    return out;
}

Result<YAML::Node> chart_values(const fs::path& chart, const std::optional<fs::path>& ours,
                                const std::string& label) {
    auto text = values_in_archive(chart, label);
    if (!text)
        return std::move(text).error();
    auto defaults = parse_values(*text, "the values.yaml of " + label, chart.string());
    if (!defaults)
        return std::move(defaults).error();
    if (!ours)
        return defaults;
    auto our_text = spec::read_small_file(*ours, max_our_values, "values file", "1 MiB");
    if (!our_text)
        return std::move(our_text).error();
    auto overrides = parse_values(*our_text, "the values file of " + label, ours->string());
    if (!overrides)
        return std::move(overrides).error();
    return merge_values(*defaults, *overrides);
}

}  // namespace bundle::build
