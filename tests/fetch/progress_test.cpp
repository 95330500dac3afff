#include <catch2/catch.hpp>

#include <cstdio>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "fetch/progress.h"

using namespace bundle;

namespace {

struct CloseFile {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

std::string contents(std::FILE* f) {
    std::fflush(f);
    std::rewind(f);
    std::string text;
    char buffer[4096];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, f)) > 0) text.append(buffer, got);
    return text;
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

// "2025-01-31T12:00:00Z ..." (std::regex is avoided: GCC 12 warns inside it under -O1).
bool utc_stamped(const std::string& line) {
    const std::string shape = "dddd-dd-ddTdd:dd:ddZ ";
    if (line.size() <= shape.size()) return false;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        bool digit = line[i] >= '0' && line[i] <= '9';
        if (shape[i] == 'd' ? !digit : line[i] != shape[i]) return false;
    }
    return true;
}

void play(fetch::Progress& progress) {
    progress.note("resolving quay.io/cilium/cilium:v1.18.4");
    progress.started("k3s", "https://example.com/k3s", 2048, 0);
    progress.advanced("k3s", 1024);
    progress.retrying("k3s", "HTTP 503", 1.5);
    progress.finished("k3s", false);
    progress.finished("images", true);
    progress.failed("cilium", "network error\x1b[2J");
}

}  // namespace

TEST_CASE("plain progress: one UTC-timestamped line per event", "[fetch][progress]") {
    std::unique_ptr<std::FILE, CloseFile> file(std::tmpfile());
    REQUIRE(file);
    play(*fetch::make_progress(fetch::ProgressStyle::plain, file.get()));
    auto out = lines(contents(file.get()));
    REQUIRE(out.size() == 6);
    for (const auto& line : out) CHECK(utc_stamped(line));
    CHECK(out[1].find("start k3s https://example.com/k3s (2.0 KiB)") != std::string::npos);
    CHECK(out[2].find("retry k3s in 1.5 s: HTTP 503") != std::string::npos);
    CHECK(out[3].find("done k3s") != std::string::npos);
    CHECK(out[4].find("done images (cache)") != std::string::npos);
    CHECK(out[5].find("failed cilium: network error?[2J") != std::string::npos);  // no escape reaches the terminal
}

TEST_CASE("quiet progress prints failures only", "[fetch][progress]") {
    std::unique_ptr<std::FILE, CloseFile> file(std::tmpfile());
    REQUIRE(file);
    play(*fetch::make_progress(fetch::ProgressStyle::quiet, file.get()));
    auto out = lines(contents(file.get()));
    REQUIRE(out.size() == 1);
    CHECK(out[0].find("failed cilium") != std::string::npos);
}

TEST_CASE("json progress: one object per line with an event name", "[fetch][progress]") {
    std::unique_ptr<std::FILE, CloseFile> file(std::tmpfile());
    REQUIRE(file);
    play(*fetch::make_progress(fetch::ProgressStyle::json, file.get()));
    auto out = lines(contents(file.get()));
    REQUIRE(out.size() == 7);
    std::vector<std::string> events;
    for (const auto& line : out) {
        auto object = nlohmann::json::parse(line);
        CHECK(object.contains("time"));
        events.push_back(object["event"]);
    }
    CHECK(events == std::vector<std::string>{"note", "started", "progress", "retrying", "finished", "finished", "failed"});
    auto started = nlohmann::json::parse(out[1]);
    CHECK(started["label"] == "k3s");
    CHECK(started["url"] == "https://example.com/k3s");
    CHECK(started["total"] == 2048);
    CHECK(nlohmann::json::parse(out[5])["from_cache"] == true);
}

TEST_CASE("terminal progress redraws in place and ends clean", "[fetch][progress]") {
    std::unique_ptr<std::FILE, CloseFile> file(std::tmpfile());
    REQUIRE(file);
    {
        auto progress = fetch::make_progress(fetch::ProgressStyle::terminal, file.get());
        progress->started("a", "http://x/a", 1000, 0);
        progress->advanced("a", 500);
        progress->finished("a", false);
    }
    std::string text = contents(file.get());
    CHECK(text.find("total") != std::string::npos);
    CHECK(text.find("\x1b[1A\x1b[2K") != std::string::npos);
    CHECK(text.find("done a") != std::string::npos);
}

TEST_CASE("CI in the environment means plain progress", "[fetch][progress]") {
    ::setenv("CI", "true", 1);
    CHECK(fetch::detect_progress_style() == fetch::ProgressStyle::plain);
    ::unsetenv("CI");
}
