#include "cli/process.h"

#include <signal.h>
#include <sys/resource.h>

namespace bundle::cli {
namespace {

std::atomic<bool> interrupted_flag{false};

extern "C" void on_interrupt(int signal_number) {
    interrupted_flag.store(true);
    ::signal(signal_number, SIG_DFL);
}

}  // namespace

const std::atomic<bool>& interrupted() { return interrupted_flag; }

void install_interrupt_handlers() {
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
}

void raise_open_file_limit() {
    struct rlimit limit {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        (void)::setrlimit(RLIMIT_NOFILE, &limit);  // a lower limit only matters for huge bundles
    }
}

}  // namespace bundle::cli
