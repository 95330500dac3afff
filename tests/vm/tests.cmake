# vm/: whole machines (issue 13) and what they stand on.
#
# The K3s stand-in over Debian's etcd (tests/vm/k3s-etcd), proven on the host first: three of them
# on 127.0.0.1-3 form one cluster, refuse a duplicate name, lose a deleted member, reset. About
# 40 s; label "vm", in the default run.
add_test(NAME "vm: K3s stand-in over real etcd, three nodes on loopback"
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/vm/k3s_etcd_test.sh ${CMAKE_CURRENT_SOURCE_DIR}/vm/k3s-etcd)
set_tests_properties("vm: K3s stand-in over real etcd, three nodes on loopback" PROPERTIES LABELS vm TIMEOUT 120)

# Debian 12 VMs under qemu (TCG) booted from `bundle image` seeds. The image is debootstrapped once
# into tests/vm/ of the build folder (cached by the hash of its recipe, tests/vm/image.sh); the
# node agent is a portable Release `bundle` the test builds in tests/vm/release, or
# $BUNDLE_PORTABLE_BUNDLE. Needs root, the machine's apt source (the first time), qemu-system-x86
# and qemu-utils; takes minutes. Labelled "vm" and, for now, also "debootstrap", which `ci/test`
# leaves out by default: run it with `ci/test -L vm`.
add_test(NAME "vm: one node boots from its seed ISO and installs"
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/vm/boot_test.sh ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/vm)
set_tests_properties("vm: one node boots from its seed ISO and installs" PROPERTIES
  LABELS "vm;debootstrap" SKIP_RETURN_CODE 77 TIMEOUT 3600 RUN_SERIAL ON)

# Scenario 1 of issue 13, three fresh nodes: three VMs (1 vCPU, 1 GiB each) from their own seeds,
# started together on one network, K3s being the stand-in over etcd (vm/k3s-etcd); one etcd cluster
# of three members on the mesh addresses, founded by node-1. About 10 minutes or more under TCG.
add_test(NAME "vm: three fresh nodes form one cluster"
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/vm/three_nodes_test.sh ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/vm)
set_tests_properties("vm: three fresh nodes form one cluster" PROPERTIES
  LABELS "vm;debootstrap" SKIP_RETURN_CODE 77 TIMEOUT 3600 RUN_SERIAL ON)

# Scenario 7 of issue 13, `bundle push` over real SSH: a fresh VM whose seed holds no bundle
# user-data (only the test's SSH key for the image's `debian` user) is installed by `bundle push`
# from the host, through a qemu user-mode NIC (restrict=on) whose only use is a forward from
# 127.0.0.1 to the VM's port 22; then sshd refuses password and root logins, the cluster's key
# still gets in, and a second push succeeds. About 5 minutes under TCG.
add_test(NAME "vm: scenario 7, bundle push over real SSH installs a fresh VM"
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/vm/push_test.sh ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/vm)
set_tests_properties("vm: scenario 7, bundle push over real SSH installs a fresh VM" PROPERTIES
  LABELS "vm;debootstrap" SKIP_RETURN_CODE 77 TIMEOUT 3600 RUN_SERIAL ON)
