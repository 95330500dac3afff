#include "build/build.h"

#include <filesystem>

#include "build/sources.h"
#include "sign/ed25519.h"
#include "spec/image.h"

namespace bundle::build {

Result<format::Written> build_bundle(const BuildOptions& options) {
    auto image = spec::load_image(options.image);
    if (!image) return std::move(image).error();
    auto key = sign::load_private_key(options.key);
    if (!key) return std::move(key).error();
    auto sources = collect_sources(*image);
    if (!sources) return std::move(sources).error();
    if (options.total) {
        std::uint64_t total = 0;
        std::error_code ec;
        for (const auto& source : *sources)
            if (source.kind == format::Kind::file) {
                std::uintmax_t size = std::filesystem::file_size(source.file, ec);
                if (!ec) total += size;  // a missing file is reported by the writer, naming it
            }
        options.total->store(total);
    }

    std::error_code ec;
    std::filesystem::create_directories(options.out_dir, ec);
    if (ec) return Error{Code::io, options.out_dir, "cannot create output folder: " + ec.message()};
    std::string out = (std::filesystem::path(options.out_dir) /
                       (image->name + "-" + std::to_string(image->version) + ".bundle")).string();

    format::WriteOptions write{image->name, image->version, image->arch,    options.created, format::kDefaultChunkSize,
                               options.jobs, &*key,          options.progress, options.cancel};
    return format::write_bundle(std::move(*sources), write, out);
}

}  // namespace bundle::build
