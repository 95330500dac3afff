#include "spec/small_file.h"

#include <utility>

#include "core/fd.h"

namespace bundle::spec {

Result<std::string> read_small_file(const std::filesystem::path& file, std::uint64_t limit,
                                    std::string_view what, std::string_view limit_text) {
    const std::string where = file.string();
    auto fd = open_for_reading(where);
    if (!fd)
        return std::move(fd).error();
    auto size = file_size(fd->get(), where);
    if (!size)
        return std::move(size).error();
    if (*size > limit) {
        return Error{Code::invalid_input, where,
                     std::string(what) + " is " + std::to_string(*size) + " bytes, more than the " +
                         std::string(limit_text) + " allowed"};
    }
    std::string text(*size, '\0');
    BUNDLE_TRY(pread_exact(fd->get(), text.data(), text.size(), 0, where));
    return text;
}

}  // namespace bundle::spec
