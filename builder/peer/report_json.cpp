#include "peer/report_json.h"

#include <nlohmann/json.hpp>

namespace bundle::peer {

std::string report_to_json(const PeerReport& report, const std::string& detail) {
    nlohmann::json json = {
        {"cluster", report.cluster},
        {"node", report.node},
        {"state", state_name(report.state)},
        {"healthy", report.healthy},
        {"settings_digest", report.settings_digest},
        {"bundle", {{"file", report.bundle_file}, {"version", report.bundle_version}}},
        {"joining", report.joining},
        {"detail", detail},
    };
    // `detail` can quote a path or a command's output: bytes that are not UTF-8 are replaced
    // rather than thrown about.
    return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Result<PeerReport> parse_report(const std::string& body, const std::string& where) {
    try {
        nlohmann::json json = nlohmann::json::parse(body);
        PeerReport report;
        report.cluster = json.at("cluster").get<std::string>();
        report.node = json.at("node").get<std::string>();
        auto state = parse_state(json.at("state").get<std::string>());
        if (!state)
            return Error{Code::invalid_input, where, "the state report names an unknown state"};
        report.state = *state;
        report.healthy = json.at("healthy").get<bool>();
        report.settings_digest = json.at("settings_digest").get<std::string>();
        const nlohmann::json& bundle = json.at("bundle");
        report.bundle_file = bundle.at("file").get<std::string>();
        report.bundle_version = bundle.at("version").get<std::uint64_t>();
        // Absent from the answers of agents before issue 12: not joining, as far as they know.
        if (json.contains("joining")) {
            if (!json.at("joining").is_boolean())
                return Error{Code::invalid_input, where, "malformed state report: \"joining\""};
            report.joining = json.at("joining").get<bool>();
        }
        return report;
    } catch (const nlohmann::json::exception& e) {
        return Error{Code::invalid_input, where,
                     std::string("malformed state report: ") + e.what()};
    }
}

}  // namespace bundle::peer
