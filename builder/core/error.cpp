#include "core/error.h"

#include <cstring>

namespace bundle {

const char* code_name(Code code) {
    switch (code) {
        case Code::usage: return "usage";
        case Code::invalid_input: return "invalid-input";
        case Code::io: return "io";
        case Code::network: return "network";
        case Code::signature: return "signature";
        case Code::digest: return "digest";
        case Code::structure: return "structure";
        case Code::unsafe_path: return "unsafe-path";
        case Code::size_exceeded: return "size-exceeded";
        case Code::rollback: return "rollback";
        case Code::busy: return "busy";
        case Code::step_failed: return "step-failed";
        case Code::refused: return "refused";
        case Code::internal: return "internal";
    }
    return "internal";
}

std::string Error::describe() const {
    if (where.empty()) return message;
    return where + ": " + message;
}

Error system_error(Code code, std::string where, std::string message, int err) {
    message += ": ";
    message += std::strerror(err);
    return Error{code, std::move(where), std::move(message)};
}

}  // namespace bundle
