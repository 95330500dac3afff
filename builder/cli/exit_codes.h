// The documented exit statuses of `bundle`, one per kind of failure, so that a script can tell a
// forged bundle (10) from a corrupt download (11) or a full disk (4). Keep in step with the
// README and with kExitCodeHelp.
#pragma once

#include "core/error.h"

namespace bundle::cli {

enum ExitCode : int {
    kExitOk = 0,
    kExitInternal = 1,
    kExitUsage = 2,
    kExitInvalidInput = 3,
    kExitIo = 4,
    kExitNetwork = 5,
    kExitSignature = 10,
    kExitDigest = 11,
    kExitStructure = 12,
    kExitUnsafePath = 13,
    kExitSizeExceeded = 14,
    kExitRollback = 15,
    kExitBusy = 16,
    kExitStepFailed = 17,
    kExitRefused = 18,
    // Not a Code: `bundle push` ran the node install on the node and it failed (its own status
    // is printed).
    kExitRemoteInstall = 20,
};

int exit_code_for(Code code);

// Prints "bundle: error: <where>: <message>" (one line per message line) and returns the code.
int report(const Error& error);

extern const char* const kExitCodeHelp;

}  // namespace bundle::cli
