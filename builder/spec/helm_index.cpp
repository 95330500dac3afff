#include "spec/helm_index.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "spec/url.h"
#include "spec/yaml_error.h"

namespace bundle::spec {
namespace {

struct RawEntry {
    std::string version;
    std::optional<std::string> digest;
    std::vector<std::string> urls;
    int line = 0;
};

// Walks the index as a stream of parser events and keeps only the entries of one chart (and
// every chart's name, for a message when it is missing): building yaml-cpp's node tree for an
// index of many MiB would cost hundreds of MiB and seconds, for one chart's few lines.
class EntryCollector : public YAML::EventHandler {
  public:
    explicit EntryCollector(std::string chart) : chart_(std::move(chart)) {}

    std::vector<RawEntry> entries;
    std::vector<std::string> charts;  // every chart name under `entries`
    bool saw_entries = false;
    bool chart_found = false;

    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { value(mark, std::nullopt); }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { value(mark, std::nullopt); }
    void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  const std::string& text) override {
        value(mark, text);
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {
        open(mark, false);
    }
    void OnSequenceEnd() override { stack_.pop_back(); }
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {
        open(mark, true);
    }
    void OnMapEnd() override { stack_.pop_back(); }

  private:
    // Where a collection sits: only these few places matter, everything else is skipped.
    enum class Place { other, root, entries, chart, entry, urls };

    struct Frame {
        Place place;
        bool is_map;
        bool want_key = true;  // in a map: the next event is a key
        std::string key;       // in a map: the key of the value that comes next
    };

    // The place of a child of the innermost collection (under its current key for a map).
    Place child_place(bool child_is_map) const {
        if (stack_.empty())
            return child_is_map ? Place::root : Place::other;
        const Frame& parent = stack_.back();
        switch (parent.place) {
            case Place::root:
                return parent.key == "entries" && child_is_map ? Place::entries : Place::other;
            case Place::entries:
                return parent.key == chart_ && !child_is_map ? Place::chart : Place::other;
            case Place::chart:
                return child_is_map ? Place::entry : Place::other;
            case Place::entry:
                return parent.key == "urls" && !child_is_map ? Place::urls : Place::other;
            case Place::urls:
            case Place::other:
                return Place::other;
        }
        return Place::other;
    }

    // A collection opens: it is the value of the current key, if in a map.
    void open(const YAML::Mark& mark, bool is_map) {
        Place place = child_place(is_map);
        if (!stack_.empty() && stack_.back().is_map) {
            if (stack_.back().want_key) {  // a complex key: ignored, but its value follows
                stack_.back().key.clear();
            }
            if (stack_.back().place == Place::entries && stack_.back().want_key == false)
                chart_found = chart_found || stack_.back().key == chart_;
            stack_.back().want_key = !stack_.back().want_key;
        }
        if (place == Place::entries)
            saw_entries = true;
        if (place == Place::entry)
            entries.push_back(RawEntry{{}, {}, {}, mark.line + 1});
        stack_.push_back(Frame{place, is_map, true, {}});
    }

    void value(const YAML::Mark&, const std::optional<std::string>& text) {
        if (stack_.empty())
            return;
        Frame& frame = stack_.back();
        if (frame.is_map && frame.want_key) {
            frame.key = text.value_or("");
            frame.want_key = false;
            if (frame.place == Place::entries)
                charts.push_back(frame.key);
            return;
        }
        if (frame.is_map) {
            frame.want_key = true;
            if (frame.place == Place::entries && frame.key == chart_)
                chart_found = true;  // a chart with no list of versions
        }
        if (!text)
            return;
        if (frame.place == Place::entry) {
            if (frame.key == "version")
                entries.back().version = *text;
            else if (frame.key == "digest")
                entries.back().digest = *text;
        } else if (frame.place == Place::urls) {
            entries.back().urls.push_back(*text);
        }
    }

    std::string chart_;
    std::vector<Frame> stack_;
};

// Version order good enough to show neighbours: numeric runs compare as numbers.
bool version_less(const std::string& a, const std::string& b) {
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < a.size() && j < b.size()) {
        bool digit_a = a[i] >= '0' && a[i] <= '9';
        bool digit_b = b[j] >= '0' && b[j] <= '9';
        if (digit_a && digit_b) {
            std::size_t end_a = a.find_first_not_of("0123456789", i);
            std::size_t end_b = b.find_first_not_of("0123456789", j);
            std::string_view run_a = std::string_view(a).substr(i, end_a - i);
            std::string_view run_b = std::string_view(b).substr(j, end_b - j);
            while (run_a.size() > 1 && run_a.front() == '0') run_a.remove_prefix(1);
            while (run_b.size() > 1 && run_b.front() == '0') run_b.remove_prefix(1);
            if (run_a.size() != run_b.size())
                return run_a.size() < run_b.size();
            if (run_a != run_b)
                return run_a < run_b;
            i = end_a == std::string::npos ? a.size() : end_a;
            j = end_b == std::string::npos ? b.size() : end_b;
            continue;
        }
        if (a[i] != b[j])
            return a[i] < b[j];
        ++i;
        ++j;
    }
    return a.size() - i < b.size() - j;
}

// Up to `count` names on either side of where `wanted` would sit in `names` (sorted by `less`).
template <class Less>
std::string nearby(std::vector<std::string> names, const std::string& wanted, Less less,
                   std::ptrdiff_t count) {
    std::sort(names.begin(), names.end(), less);
    names.erase(std::unique(names.begin(), names.end()), names.end());
    auto at = std::lower_bound(names.begin(), names.end(), wanted, less);
    auto first = at - std::min(count, at - names.begin());
    auto last = at + std::min(count, names.end() - at);
    std::string out;
    for (auto it = first; it != last; ++it) {
        if (!out.empty())
            out += ", ";
        out += *it;
    }
    return out;
}

Error index_error(const std::string& index_url, std::string message) {
    return Error{Code::invalid_input, index_url, std::move(message)};
}

Result<ChartEntry> entry_result(const RawEntry& entry, const HelmChart& chart,
                                const std::string& index_url) {
    const std::string what = "chart " + quote_value(chart.chart) + " version " +
                             quote_value(chart.version) + " (line " + std::to_string(entry.line) +
                             ")";
    if (!entry.digest || entry.digest->empty())
        return index_error(index_url, what + " has no digest, so it cannot be pinned");
    std::string hex = *entry.digest;
    if (hex.starts_with("sha256:"))
        hex.erase(0, 7);
    std::transform(hex.begin(), hex.end(), hex.begin(), [](char c) {
        return c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c;
    });
    if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdef") != std::string::npos)
        return index_error(index_url, what + " has a digest that is not SHA-256 hex: " +
                                          quote_value(*entry.digest));
    if (entry.urls.empty())
        return index_error(index_url, what + " lists no URL");
    std::string url = resolve_url(index_url, entry.urls.front());
    if (auto problem = http_url_problem(url))
        return index_error(index_url, what + " has the URL " + quote_value(url) + ": " + *problem);
    return ChartEntry{std::move(url), std::move(hex)};
}

}  // namespace

Result<ChartEntry> find_chart(std::string_view text, const HelmChart& chart,
                              const std::string& index_url) {
    EntryCollector collector(chart.chart);
    try {
        std::istringstream stream{std::string(text)};
        YAML::Parser parser(stream);
        parser.HandleNextDocument(collector);  // one call: never the loop of yaml-cpp#1040
    } catch (const YAML::Exception& e) {
        return index_error(index_url, "line " + std::to_string(e.mark.line + 1) + " column " +
                                          std::to_string(e.mark.column + 1) +
                                          ": YAML syntax error: " + e.msg);
    }
    if (!collector.saw_entries)
        return index_error(index_url, "not a Helm repository index: no 'entries' mapping");
    if (!collector.chart_found) {
        std::string near = nearby(collector.charts, chart.chart, std::less<std::string>(), 3);
        return index_error(index_url, "the repository has no chart " + quote_value(chart.chart) +
                                          (near.empty() ? std::string(" (it lists no charts)")
                                                        : " (nearby names: " + near + ")"));
    }
    const RawEntry* found = nullptr;
    std::vector<std::string> versions;
    for (const RawEntry& entry : collector.entries) {
        versions.push_back(entry.version);
        if (entry.version != chart.version)
            continue;
        if (found != nullptr && found->digest != entry.digest) {
            return index_error(index_url, "chart " + quote_value(chart.chart) + " version " +
                                              quote_value(chart.version) +
                                              " is listed twice with different digests (lines " +
                                              std::to_string(found->line) + " and " +
                                              std::to_string(entry.line) + ")");
        }
        if (found == nullptr)
            found = &entry;
    }
    if (found == nullptr) {
        std::string near = nearby(versions, chart.version, version_less, 3);
        return index_error(index_url, "chart " + quote_value(chart.chart) + " has no version " +
                                          quote_value(chart.version) +
                                          (near.empty() ? std::string(" (it lists no versions)")
                                                        : " (nearby versions: " + near + ")"));
    }
    return entry_result(*found, chart, index_url);
}

}  // namespace bundle::spec
