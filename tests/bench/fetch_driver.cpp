// The fetch benchmark's driver (fetch_bench.sh): download_all over a list of downloads into a
// cache, the way `bundle fetch` does, with plain progress off.
//
//   fetch_bench_driver CACHE_DIR LIST [JOBS]
//
// LIST has one "URL SHA256 SIZE" per line. Prints "seconds=<wall time> transferred=<n>" and
// exits 0 on success, 1 with the error on stderr otherwise.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "fetch/downloader.h"

int main(int argc, char** argv) {
    using namespace bundle;
    if (argc < 3) {
        std::fprintf(stderr, "usage: fetch_bench_driver CACHE_DIR LIST [JOBS]\n");
        return 2;
    }
    std::vector<fetch::Download> downloads;
    std::ifstream list(argv[2]);
    for (std::string line; std::getline(list, line);) {
        std::istringstream fields(line);
        std::string url, hex;
        std::uint64_t size = 0;
        if (!(fields >> url >> hex >> size)) continue;
        auto digest = hash::sha256_from_hex(hex);
        if (!digest) {
            std::fprintf(stderr, "bad digest: %s\n", hex.c_str());
            return 2;
        }
        fetch::Download download;
        download.url = url;
        download.sha256 = *digest;
        download.size = size;
        downloads.push_back(download);
    }
    auto cache = fetch::Cache::open(argv[1]);
    if (!cache) {
        std::fprintf(stderr, "%s\n", cache.error().describe().c_str());
        return 1;
    }
    fetch::DownloadOptions options;
    if (argc > 3) options.jobs = static_cast<unsigned>(std::stoul(argv[3]));
    auto start = std::chrono::steady_clock::now();
    auto result = fetch::download_all(downloads, *cache, options);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!result) {
        std::fprintf(stderr, "%s\n", result.error().describe().c_str());
        return 1;
    }
    unsigned transferred = 0;
    for (const auto& d : *result) transferred += d.from_cache ? 0 : 1;
    std::printf("seconds=%.3f transferred=%u\n", seconds, transferred);
    return 0;
}
