# deliver/: a node's user-data and bundle handed over without a provider's panel: a NoCloud seed
# ISO (`bundle image`, libarchive's ISO 9660 writer) and SSH (`bundle push`, the OpenSSH client).
bundle_subsystem(deliver deliver/defaults.cpp deliver/meta_data.cpp deliver/seed_iso.cpp
  deliver/child_process.cpp deliver/ssh_errors.cpp deliver/ssh.cpp deliver/remote_scripts.cpp
  deliver/bundle_stream.cpp deliver/push.cpp)
target_link_libraries(bundle_deliver PUBLIC bundle_render bundle_format bundle_hash PkgConfig::LIBARCHIVE)
