#include "cli/exit_codes.h"

#include <iostream>
#include <sstream>

namespace bundle::cli {

int exit_code_for(Code code) {
    switch (code) {
        case Code::usage: return kExitUsage;
        case Code::invalid_input: return kExitInvalidInput;
        case Code::io: return kExitIo;
        case Code::network: return kExitNetwork;
        case Code::signature: return kExitSignature;
        case Code::digest: return kExitDigest;
        case Code::structure: return kExitStructure;
        case Code::unsafe_path: return kExitUnsafePath;
        case Code::size_exceeded: return kExitSizeExceeded;
        case Code::rollback: return kExitRollback;
        case Code::busy: return kExitBusy;
        case Code::step_failed: return kExitStepFailed;
        case Code::refused: return kExitRefused;
        case Code::internal: return kExitInternal;
    }
    return kExitInternal;
}

int report(const Error& error) {
    std::istringstream lines(error.describe());
    std::string line;
    while (std::getline(lines, line)) std::cerr << "bundle: error: " << line << "\n";
    return exit_code_for(error.code);
}

const char* const kExitCodeHelp =
    "Exit status:\n"
    "   0  success\n"
    "   1  internal error (a bug in bundle)\n"
    "   2  usage: the command line is wrong\n"
    "   3  invalid input: an image definition, key or other input is malformed\n"
    "   4  I/O: a file could not be read or written (missing, permission, disk full)\n"
    "   5  network: a download failed\n"
    "  10  signature: missing, malformed, invalid, or made by another key\n"
    "  11  digest: content differs from the digest the signed index records\n"
    "  12  structure: truncated, trailing data, or entries not as the index says\n"
    "  13  unsafe path: an entry would escape the target or is not a file or directory\n"
    "  14  size exceeded: an entry or download is larger than declared\n"
    "  15  rollback: the bundle is older than the one installed\n"
    "  16  busy: another `bundle node install` is running on this node\n"
    "  17  step failed: a payload script or command of the node install failed\n"
    "  18  refused: the cluster's must-match settings differ from this node's\n"
    "  20  bundle push: the node install ran on the node and failed (its status is printed)\n";

}  // namespace bundle::cli
