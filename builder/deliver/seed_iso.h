// A NoCloud seed ISO: a CD image that a provider attaches to a VPS instead of taking user-data in
// its panel. cloud-init's NoCloud datasource looks for a filesystem labelled CIDATA (or cidata)
// and reads `user-data` and `meta-data` from its root; the node's bootstrap script
// (cloud-init/bootstrap.sh, from_seed) mounts the same volume and takes `<BUNDLE_FILE>`, the
// bundle under its own name, from its root, so a node installs without any network at all.
//
// The image is written by libarchive's ISO 9660 writer (libarchive 3.6.2 in Debian 12, whose
// archive_write_set_format_iso9660.c and archive_write_set_options(3) were read for this):
//
//   volume-id=CIDATA      the label blkid reports (written to the primary and the Joliet volume
//                         descriptors alike), hence /dev/disk/by-label/CIDATA.
//   rockridge=strict      Rock Ridge, so Linux (which prefers it over Joliet) sees the real names
//                         `user-data`, `meta-data` and `<image>-<version>.bundle` rather than
//                         ISO 9660's upper-case 8.3-like ones, and the modes as written: the
//                         default ("useful") would make the secret user-data readable by all.
//   joliet                Joliet names too, for readers without Rock Ridge (names up to 64
//                         characters; a longer bundle name is still whole in Rock Ridge).
//   iso-level=3           a file may be 4 GiB or larger (stored as several extents); at levels
//                         1 and 2 libarchive skips such a file with a warning.
//
// libarchive cannot know where the directory records end before it has seen every file, so it
// stages each file's data in an unnamed temporary file (O_TMPFILE, else created and unlinked at
// once, mode 0600) in $TMPDIR (default /tmp) and copies it into the image on close: the bundle
// is read once and written twice, memory use stays flat, and that folder needs as much free
// space as the bundle. Both are checked before the first byte is written.
//
// The image holds the node's secrets: it is written 0600 through a temporary beside it, synced
// and renamed into place (a link at the final name is replaced, never followed); on any error,
// or a cancel, nothing is left behind. The bundle is hashed as it is copied and must have the
// SHA-256 it was verified with, so a file changed in between is never published.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "core/error.h"

namespace bundle::deliver {

inline constexpr char kSeedVolumeId[] = "CIDATA";

struct SeedIso {
    std::string out_path;
    std::string user_data;
    std::string meta_data;
    std::string bundle_path;    // empty: an image without the bundle (user-data and meta-data only)
    std::string bundle_name;    // its name at the image's root
    std::uint64_t bundle_size = 0;
    std::string bundle_sha256;  // hex; the copy must have it
    std::int64_t mtime = 0;     // of every file in the image
};

struct IsoProgress {
    // Bytes of work done, out of iso_work(bundle_size): the bundle staged, then the image written.
    std::atomic<std::uint64_t>* done = nullptr;
    const std::atomic<bool>* cancel = nullptr;  // set (by a signal handler) to stop and clean up
};

inline std::uint64_t iso_work(std::uint64_t bundle_size) { return 2 * bundle_size; }

Status write_seed_iso(const SeedIso& iso, const IsoProgress& progress = {});

// Where libarchive stages file data: $TMPDIR, else /tmp.
std::string staging_dir();

}  // namespace bundle::deliver
