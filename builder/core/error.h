// What can be expected to fail (a bad download, a bad signature, a bad file) is returned as an
// Error inside a Result; exceptions are kept for programming errors. Each Error carries a code
// that the command line maps to a documented exit status, a sentence for a person, and the
// file, URL or bundle member it is about.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace bundle {

enum class Code {
    usage,          // the command line itself is wrong
    invalid_input,  // an image definition, key or other input file is malformed
    io,             // reading or writing a file failed (missing file, disk full, ...)
    network,        // a download failed
    signature,      // the index signature is missing, invalid, or from another key
    digest,         // content does not match the digest the signed index records
    structure,      // the bundle is malformed: truncated, extra or missing entries, bad header
    unsafe_path,    // an entry would escape the target or is not a regular file or directory
    size_exceeded,  // an entry or download is larger than its declared size
    rollback,       // a bundle older than the one installed
    busy,           // another run holds the lock (a second `bundle node install`)
    step_failed,    // a step of the node install failed: a payload script or a command
    refused,        // the cluster refuses this node: must-match settings differ
    internal,       // a bug in bundle itself
};

// A short stable name for a code ("digest", "unsafe-path"), used in --json output.
const char* code_name(Code code);

struct Error {
    Code code;
    std::string where;    // file, URL or member the error is about; may be empty
    std::string message;  // for a person; never contains a secret

    // "where: message", or just the message when there is no place to name.
    std::string describe() const;
};

// Error for a failed system call: appends strerror(err) to the message.
Error system_error(Code code, std::string where, std::string message, int err);

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
    Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    explicit operator bool() const { return v_.index() == 0; }
    T& operator*() & { return std::get<0>(v_); }
    const T& operator*() const& { return std::get<0>(v_); }
    T&& operator*() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &std::get<0>(v_); }
    const T* operator->() const { return &std::get<0>(v_); }
    const Error& error() const& { return std::get<1>(v_); }
    Error&& error() && { return std::get<1>(std::move(v_)); }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : e_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    explicit operator bool() const { return !e_.has_value(); }
    const Error& error() const& { return *e_; }
    Error&& error() && { return std::move(*e_); }

private:
    std::optional<Error> e_;
};

using Status = Result<void>;

}  // namespace bundle

// Returns the error of a failed Status or Result from the enclosing function.
#define BUNDLE_TRY(expr)                         \
    do {                                         \
        if (auto try_result_ = (expr); !try_result_) \
            return std::move(try_result_).error(); \
    } while (0)
