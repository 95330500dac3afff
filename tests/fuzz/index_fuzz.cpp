// Fuzz target: the bundle index parser. Whatever the bytes, parse_index returns a Result (no
// crash, no exception, no sanitizer report), and an index it accepts serializes back to text that
// parses to the same index: what the reader accepts, the writer can produce.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "format/index.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto index = bundle::format::parse_index(text);
    if (!index) return 0;
    std::string again = bundle::format::serialize_index(*index);
    auto reparsed = bundle::format::parse_index(again);
    if (!reparsed || bundle::format::serialize_index(*reparsed) != again) std::abort();
    return 0;
}
