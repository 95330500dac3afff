# vm/: whole machines (issue 13) and what they stand on.
#
# The K3s stand-in over Debian's etcd (tests/vm/k3s-etcd), proven on the host first: three of them
# on 127.0.0.1-3 form one cluster, refuse a duplicate name, lose a deleted member, reset. About
# 40 s.
add_test(NAME "vm: K3s stand-in over real etcd, three nodes on loopback"
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/vm/k3s_etcd_test.sh ${CMAKE_CURRENT_SOURCE_DIR}/vm/k3s-etcd)
set_tests_properties("vm: K3s stand-in over real etcd, three nodes on loopback" PROPERTIES LABELS vm TIMEOUT 120)

# Debian 12 VMs under qemu (TCG) booted from `bundle image` seeds. The fixture "vm" makes, once,
# the image (debootstrapped from the machine's apt source into tests/vm/ of the build folder,
# cached by the hash of its recipe) and the portable Release node agent (tests/vm/release); each
# VM test then works in a folder of its own beside them. Needs root, qemu-system-x86 and
# qemu-utils (ci/setup installs them); each test exits 77 (skipped) without.
set(BUNDLE_VM_WORK ${CMAKE_CURRENT_BINARY_DIR}/vm)
add_test(NAME "vm: the VM image and the portable node agent"
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/vm/prepare.sh ${PROJECT_SOURCE_DIR} ${BUNDLE_VM_WORK})
set_tests_properties("vm: the VM image and the portable node agent" PROPERTIES
  LABELS vm FIXTURES_SETUP vm SKIP_RETURN_CODE 77 TIMEOUT 2400)

# bundle_vm_test(NAME SCRIPT FOLDER VMS): SCRIPT REPOSITORY WORK BUNDLE with the fixture's agent,
# in BUNDLE_VM_WORK/FOLDER. VMS is the number of VMs it runs at once (1 vCPU each): CTest gives it
# that many of its -j slots, so three VMs on a 2-core machine run with nothing beside them.
function(bundle_vm_test name script folder vms)
  add_test(NAME "${name}" COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/vm/${script}
    ${PROJECT_SOURCE_DIR} ${BUNDLE_VM_WORK}/${folder} ${BUNDLE_VM_WORK}/release/builder/bundle)
  set_tests_properties("${name}" PROPERTIES LABELS vm FIXTURES_REQUIRED vm SKIP_RETURN_CODE 77
    TIMEOUT 3600 PROCESSORS ${vms} ENVIRONMENT "VM_IMAGE_WORK=${BUNDLE_VM_WORK}")
endfunction()

# Scenario 3 of issue 13, reboots: one node of a one-node cluster boots from its seed ISO, is
# hard-reset (qemu system_reset) mid-extract and mid-harden, resumes and installs; then it reboots
# installed and runs no install. About 8 minutes under TCG.
bundle_vm_test("vm: scenario 3, a node reset mid-extract and mid-harden resumes; an installed node reboots" boot_test.sh boot 1)

# Scenario 7 of issue 13, `bundle push` over real SSH: a fresh VM whose seed holds no bundle
# user-data (only the test's SSH key for the image's `debian` user) is installed by `bundle push`
# from the host, through a qemu user-mode NIC (restrict=on) whose only use is a forward from
# 127.0.0.1 to the VM's port 22; then sshd refuses password and root logins, the cluster's key
# still gets in, and a second push succeeds. About 5 minutes under TCG.
bundle_vm_test("vm: scenario 7, bundle push over real SSH installs a fresh VM" push_test.sh push 1)

# Scenarios 1, 2, 4, 5 and 6 of issue 13 on the same three VMs (1 vCPU, 1 GiB each), K3s being
# the stand-in over etcd (vm/k3s-etcd): a split at first boot, three fresh nodes forming one
# cluster, the hardening seen from a peer and a reboot, a split of the running cluster, node-1
# wiped and back from its peers, force-init after losing two nodes. About 25 minutes under TCG.
bundle_vm_test("vm: three nodes: first boot, hardening, splits, a wiped node, force-init" three_nodes_test.sh three 3)
