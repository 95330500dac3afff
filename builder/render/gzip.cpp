#include "render/gzip.h"

#include <zlib.h>

namespace bundle::render {

namespace {

// A deflate stream that is ended on every path out, an exception included.
struct Deflater {
    z_stream stream{};
    bool started = false;
    ~Deflater() {
        if (started) deflateEnd(&stream);
    }
};

}  // namespace

Result<std::string> gzip(std::string_view data) {
    Deflater deflater;
    z_stream& stream = deflater.stream;
    // 15 window bits + 16: a gzip wrapper with a default header (no name, mtime 0).
    if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return Error{Code::internal, "zlib", "deflateInit2 failed"};
    deflater.started = true;
    std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    int status = deflate(&stream, Z_FINISH);
    out.resize(stream.total_out);
    if (status != Z_STREAM_END) return Error{Code::internal, "zlib", "deflate did not finish"};
    return out;
}

}  // namespace bundle::render
