// Fuzz target: the lock parser. Whatever the bytes, parse_lock returns a Result (no crash, no
// exception, no hang, no sanitizer report), and a lock it accepts renders to text that parses to
// the same lock and renders to the same text again: what `bundle lock` writes, a --locked build
// reads back unchanged.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "spec/lock.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto lock = bundle::spec::parse_lock(text, "fuzz.lock.yaml");
    if (!lock)
        return 0;
    const std::string rendered = bundle::spec::render_lock(*lock, "fuzz.yaml");
    auto reparsed = bundle::spec::parse_lock(rendered, "fuzz.lock.yaml");
    if (!reparsed || !(*reparsed == *lock) ||
        bundle::spec::render_lock(*reparsed, "fuzz.yaml") != rendered)
        std::abort();
    return 0;
}
