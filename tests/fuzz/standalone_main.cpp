// A driver for the fuzz targets when they are not built with libFuzzer (the GCC test build): it
// runs every file of the corpus folder through LLVMFuzzerTestOneInput, then random mutations of
// them (bit flips, byte changes, cuts, insertions, splices) for the given number of seconds. It is
// far weaker than libFuzzer's guided search (ci/fuzz runs that), but it runs in every test run,
// under the sanitizers, so that a parser crash on near-valid input shows up at once.
//
// Usage: <target> CORPUS_DIR SECONDS [SEED]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::string> read_corpus(const std::filesystem::path& dir) {
    std::vector<std::string> corpus;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        std::ifstream in(entry.path(), std::ios::binary);
        corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    if (corpus.empty()) corpus.emplace_back();
    return corpus;
}

void mutate(std::string& input, const std::vector<std::string>& corpus, std::mt19937_64& rng) {
    auto pick = [&rng](std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng() % n); };
    static const char kInteresting[] = "{}[]\":,.-0123456789eE\\/ \n\t\x00\xff";
    switch (rng() % 6) {
        case 0:
            if (!input.empty()) input[pick(input.size())] ^= static_cast<char>(1 << (rng() % 8));
            break;
        case 1:
            if (!input.empty()) input[pick(input.size())] = kInteresting[pick(sizeof kInteresting - 1)];
            break;
        case 2: input.resize(pick(input.size() + 1)); break;
        case 3: input.insert(pick(input.size() + 1), 1, kInteresting[pick(sizeof kInteresting - 1)]); break;
        case 4:
            if (!input.empty()) input.erase(pick(input.size()), 1 + pick(8));
            break;
        default: {
            const std::string& other = corpus[pick(corpus.size())];
            std::size_t from = pick(other.size() + 1);
            input.insert(pick(input.size() + 1), other.substr(from, pick(64)));
        }
    }
}

int run(const std::string& input) {
    return LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR SECONDS [SEED]\n", argv[0]);
        return 2;
    }
    std::vector<std::string> corpus = read_corpus(argv[1]);
    double seconds = std::atof(argv[2]);
    std::mt19937_64 rng(argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1);
    for (const std::string& input : corpus) run(input);

    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    std::uint64_t runs = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        std::string input = corpus[rng() % corpus.size()];
        for (int n = 1 + static_cast<int>(rng() % 8); n > 0; --n) mutate(input, corpus, rng);
        run(input);
        ++runs;
    }
    std::printf("%zu corpus inputs and %llu mutations ran without a failure\n", corpus.size(),
                static_cast<unsigned long long>(runs));
    return 0;
}
