#include <catch2/catch.hpp>

#include <atomic>
#include <set>
#include <thread>

#include "core/parallel.h"

using namespace bundle;

TEST_CASE("parallel_for runs every item once", "[core]") {
    std::vector<std::atomic<int>> seen(1000);
    Status status = parallel_for(seen.size(), 4, [&](std::size_t i, unsigned) -> Status {
        seen[i].fetch_add(1);
        return {};
    });
    REQUIRE(status);
    for (auto& s : seen) CHECK(s.load() == 1);
}

TEST_CASE("parallel_for uses several threads", "[core]") {
    std::mutex m;
    std::set<std::thread::id> ids;
    REQUIRE(parallel_for(64, 2, [&](std::size_t, unsigned) -> Status {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        std::lock_guard lock(m);
        ids.insert(std::this_thread::get_id());
        return {};
    }));
    CHECK(ids.size() == 2);
}

TEST_CASE("parallel_for reports the lowest failed item and stops", "[core]") {
    std::atomic<int> ran{0};
    Status status = parallel_for(10000, 2, [&](std::size_t i, unsigned) -> Status {
        ran.fetch_add(1);
        if (i == 5 || i == 7) return Error{Code::digest, "item " + std::to_string(i), "bad"};
        return {};
    });
    REQUIRE_FALSE(status);
    CHECK(status.error().where == "item 5");
    CHECK(ran.load() < 10000);
}

TEST_CASE("parallel_for with no items succeeds", "[core]") {
    REQUIRE(parallel_for(0, 2, [](std::size_t, unsigned) -> Status { return Error{Code::internal, "", ""}; }));
}

TEST_CASE("parallel_for stops when cancelled and says so", "[core]") {
    std::atomic<bool> cancel{false};
    std::atomic<int> ran{0};
    Status status = parallel_for(
        100000, 2,
        [&](std::size_t i, unsigned) -> Status {
            if (i == 10) cancel.store(true);
            ran.fetch_add(1);
            return {};
        },
        &cancel);
    REQUIRE_FALSE(status);
    CHECK(status.error().message == "interrupted");
    CHECK(ran.load() < 100000);
}
