# vm/: the whole-machine scenarios and what they stand on. Label `vm` (run on request).
# The K3s stand-in over Debian's etcd (tests/vm/k3s-etcd), proven on the host first: three of
# them on 127.0.0.1-3 form one cluster, refuse a duplicate name, lose a deleted member, reset.
add_test(NAME "vm: K3s stand-in over real etcd, three nodes on loopback"
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/vm/k3s_etcd_test.sh ${CMAKE_CURRENT_SOURCE_DIR}/vm/k3s-etcd)
set_tests_properties("vm: K3s stand-in over real etcd, three nodes on loopback" PROPERTIES LABELS vm TIMEOUT 120)
