// What the node agent says: every line goes to stderr as "bundle node: <phase>: <text>" and to the
// journal (state.h) as "<time> <phase> <text>", so `journalctl -u bundle-bootstrap` and
// /var/lib/bundle/journal.log tell the same story. A journal that cannot be written is said once
// on stderr and does not stop the install (the disk may be full; the state file says the rest).
#pragma once

#include <iostream>
#include <mutex>
#include <string>

#include "node/state.h"

namespace bundle::node {

class Log {
public:
    explicit Log(StateDir dir, bool quiet = false) : dir_(std::move(dir)), quiet_(quiet) {}

    void say(const std::string& phase, const std::string& text) {
        std::lock_guard lock(mutex_);
        if (!quiet_) std::cerr << "bundle node: " << phase << ": " << text << "\n";
        if (!journal_broken_) {
            if (auto appended = append_journal(dir_, phase, text); !appended) {
                journal_broken_ = true;
                std::cerr << "bundle node: cannot write the journal: " << appended.error().describe() << "\n";
            }
        }
    }

private:
    StateDir dir_;
    bool quiet_;
    bool journal_broken_ = false;
    std::mutex mutex_;
};

}  // namespace bundle::node
