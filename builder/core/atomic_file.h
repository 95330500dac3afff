// Atomic replacement of a file: the content goes to a temporary in the same directory, is synced,
// and is renamed over the final name, then the directory is synced. A reader sees the old file
// or the whole new one, never a part; a crash leaves at most a `.<name>.tmp-*` file behind, and
// an AtomicFile destroyed before commit() removes its temporary.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "core/error.h"
#include "core/fd.h"

namespace bundle {

enum class Replace { allowed, forbidden };

class AtomicFile {
public:
    // Creates the temporary beside `path` with `mode`; the parent directory must exist.
    static Result<AtomicFile> create(const std::string& path, mode_t mode);

    AtomicFile(AtomicFile&&) noexcept;
    AtomicFile& operator=(AtomicFile&&) = delete;
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;
    ~AtomicFile();

    int fd() const { return file_.get(); }
    const std::string& path() const { return path_; }

    // Syncs and renames into place. With Replace::forbidden an existing file is an error and
    // is left untouched (renameat2 RENAME_NOREPLACE).
    Status commit(Replace replace = Replace::allowed);

private:
    AtomicFile(UniqueFd dir, UniqueFd file, std::string path, std::string temp_name,
               std::string final_name);

    UniqueFd dir_;
    UniqueFd file_;
    std::string path_;
    std::string temp_name_;
    std::string final_name_;
    bool committed_ = false;
};

// Writes `content` to `path` atomically with `mode`.
Status write_file_atomically(const std::string& path, std::string_view content, mode_t mode,
                             Replace replace = Replace::allowed);

}  // namespace bundle
