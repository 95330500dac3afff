#!/bin/sh
# End-to-end checks of the downloading commands (lock, fetch, build --locked, mirror) against
# real servers on loopback that this script starts and stops: nginx serving release files, a
# sha256sum-style checksum file and a Helm chart repository, and docker-registry holding an image
# that umoci made and skopeo pushed. Then the upstreams go away and a locked build is repeated
# from a mirror folder and from a mirror served over HTTP, with an empty cache.
# Prints "ok - <name>" / "not ok - <name>" and "N passed, N failed". Usage: fetch_cli_test.sh bundle
set -u
bundle=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/bundle-fetch-cli-XXXXXX")
nginx_url="" registry=""  # set by start_nginx and start_registry
# shellcheck disable=SC1091 # servers.sh is checked on its own
. "$here/servers.sh"
# shellcheck disable=SC1091
. "$here/harness.sh"
trap 'stop_servers; chmod -R u+w "$work"; rm -rf "$work"' EXIT
cd "$work" || exit 1
export XDG_CACHE_HOME="$work/cache"
export CI=1

# Upstream files: a "release" with a checksum file, a file pinned inline, and a chart repository.
mkdir -p "www/releases/v1.0+k1" www/charts www/other  # served as v1.0%2Bk1, as GitHub serves K3s
head -c 2500000 /dev/urandom >"www/releases/v1.0+k1/tool"
head -c 1000 /dev/urandom >"www/releases/v1.0+k1/tool-extra"
(cd "www/releases/v1.0+k1" && sha256sum tool tool-extra >sha256sum-amd64.txt)
head -c 70000 /dev/urandom >www/other/data.bin
data_sha=$(sha256sum www/other/data.bin | cut -d' ' -f1)
mkdir -p chart/demo && printf 'apiVersion: v2\nname: demo\nversion: 1.2.3\n' >chart/demo/Chart.yaml
tar -czf www/charts/demo-1.2.3.tgz -C chart demo
chart_sha=$(sha256sum www/charts/demo-1.2.3.tgz | cut -d' ' -f1)
cat >www/charts/index.yaml <<YAML
apiVersion: v1
entries:
  demo:
    - version: 1.2.3
      digest: $chart_sha
      urls: [demo-1.2.3.tgz]
    - version: 1.2.2
      digest: 0000000000000000000000000000000000000000000000000000000000000000
      urls: [demo-1.2.2.tgz]
YAML
start_nginx "$work/nginx" "$work/www" || exit 1
start_registry "$work/registry" || exit 1

# An image made by umoci, pushed by skopeo.
echo "hello from a layer" >hello
if ! { umoci init --layout oci && umoci new --image oci:v1 && umoci insert --image oci:v1 hello /hello &&
  skopeo copy -q --dest-tls-verify=false oci:oci:v1 "docker://$registry/demo/app:v1"; } >push.log 2>&1; then
  echo "Bail out! cannot push the test image:"; cat push.log; exit 1
fi

mkdir -p src/payload && echo hi >src/payload/hello.txt
cat >src/demo.yaml <<YAML
apiVersion: bundle/v1
kind: Image
name: demo
version: 3
arch: amd64
artifacts:
  - name: tool
    url: $nginx_url/releases/v1.0%2Bk1/tool
    checksums: $nginx_url/releases/v1.0%2Bk1/sha256sum-amd64.txt
    dest: bin/tool
    mode: "0755"
  - name: data
    url: $nginx_url/other/data.bin
    sha256: $data_sha
    dest: data/data.bin
  - name: extra
    url: $nginx_url/releases/v1.0%2Bk1/tool-extra
    trust: first-use
    dest: bin/tool-extra
  - name: chart
    helm: {repository: $nginx_url/charts, chart: demo, version: 1.2.3}
    dest: charts/demo-1.2.3.tgz
images:
  app:
    - $registry/demo/app:v1
payload: payload/
YAML
"$bundle" keygen --out keys >/dev/null

expect 0 "lock resolves every pin" "$bundle" lock --image src/demo.yaml
has src/demo.lock.yaml "$data_sha" "the lock records the inline pin"
has src/demo.lock.yaml "$(sha256sum "www/releases/v1.0+k1/tool" | cut -d' ' -f1)" "the lock records the pin from the checksum file"
has src/demo.lock.yaml "$chart_sha" "the lock records the chart's digest from the index"
has src/demo.lock.yaml "$(sha256sum "www/releases/v1.0+k1/tool-extra" | cut -d' ' -f1)" "trust on first use records what arrived"
has src/demo.lock.yaml "size: 2500000" "the lock records sizes"
has src/demo.lock.yaml "reference: $registry/demo/app:v1" "the lock records the image reference"
cp src/demo.lock.yaml first.lock
expect 0 "lock again" "$bundle" lock --image src/demo.yaml
if cmp -s first.lock src/demo.lock.yaml; then ok "the lock is stable"; else not_ok "the lock is stable"; diff first.lock src/demo.lock.yaml | sed 's/^/#   /'; fi

export SOURCE_DATE_EPOCH=1700000000
expect 0 "build --locked" "$bundle" build --image src/demo.yaml --locked --out dist --key keys/bundle.key
expect 0 "the built bundle verifies" "$bundle" verify dist/demo-3.bundle --pubkey keys/bundle.pub
expect 0 "inspect" "$bundle" inspect dist/demo-3.bundle
for member in bin/tool data/data.bin charts/demo-1.2.3.tgz images/app.oci.tar payload/hello.txt; do
  has out.txt "$member" "the bundle holds $member"
done
expect 0 "extract" "$bundle" extract dist/demo-3.bundle --to out --pubkey keys/bundle.pub
if cmp -s out/bin/tool "www/releases/v1.0+k1/tool"; then ok "the downloaded file is extracted intact"; else not_ok "the downloaded file is extracted intact"; fi
if tar -tf out/images/app.oci.tar | grep -q '^index.json$'; then ok "the image archive is an OCI layout"; else not_ok "the image archive is an OCI layout"; fi
cp dist/demo-3.bundle upstream.bundle

expect 0 "fetch --locked from a warm cache" "$bundle" fetch --image src/demo.yaml --locked
expect 0 "mirror writes the locked files from the cache" "$bundle" mirror --image src/demo.yaml --to mirror

# Definition and lock disagree: a locked build refuses, naming the artifact.
sed "s#other/data.bin#other/data2.bin#" src/demo.yaml >src/changed.yaml
cp src/demo.lock.yaml src/changed.lock.yaml
expect 3 "build --locked refuses a lock that disagrees" "$bundle" build --image src/changed.yaml --locked --out dist --key keys/bundle.key
has err.txt "data" "the disagreement names the artifact"
sed "s#chart: demo, version: 1.2.3#chart: demo, version: 1.2.2#" src/demo.yaml >src/changed.yaml
cp src/demo.lock.yaml src/changed.lock.yaml
expect 3 "build --locked refuses a chart version the lock was not made for" "$bundle" build --image src/changed.yaml --locked --out dist --key keys/bundle.key
has err.txt "1.2.2" "the refusal names the new chart version"
rm -f src/changed.yaml src/changed.lock.yaml

# A fetch killed mid-way resumes: the rerun asks only for the bytes not yet verified.
head -c 3000000 /dev/urandom >slow.bin
mkdir -p slow-www && cp slow.bin slow-www/
start_nginx "$work/nginx-slow" "$work/slow-www" 1000000 || exit 1
cat >src/slow.yaml <<YAML
apiVersion: bundle/v1
kind: Image
name: slow
version: 1
arch: amd64
artifacts:
  - name: slow
    url: $nginx_url/slow.bin
    sha256: $(sha256sum slow.bin | cut -d' ' -f1)
    dest: slow.bin
YAML
"$bundle" fetch --image src/slow.yaml --cache slow-cache --quiet >/dev/null 2>&1 &
fetch_pid=$!
sleep 1.5
kill -9 "$fetch_pid" 2>/dev/null
wait "$fetch_pid" 2>/dev/null
if ls slow-cache/partial/*.part >/dev/null 2>&1; then ok "a killed fetch leaves its partial download"; else not_ok "a killed fetch leaves its partial download"; fi
expect 0 "the rerun completes" "$bundle" fetch --image src/slow.yaml --cache slow-cache --quiet
if python3 - "$work/nginx-slow/access.log" <<'PY'; then ok "the rerun asked only for the bytes after its partial file"; else not_ok "the rerun asked only for the bytes after its partial file"; sed 's/^/#   /' "$work/nginx-slow/access.log"; fi
import sys
lines = [l.split() for l in open(sys.argv[1]) if l.startswith("/slow.bin")]
if len(lines) != 2 or not lines[1][1].startswith("bytes="):
    sys.exit(1)
start = int(lines[1][1][len("bytes="):].rstrip("-"))
sys.exit(0 if 0 < start < 3000000 and int(lines[1][2]) == 3000000 - start else 1)
PY

# The upstreams go away.
stop_servers
export XDG_CACHE_HOME="$work/cache-offline"
expect 5 "offline without a mirror fails as a network error" "$bundle" build --image src/demo.yaml --locked --out dist2 --key keys/bundle.key
has err.txt "127.0.0.1" "the offline error names the URL"
has err.txt "--mirror" "the offline error suggests --mirror"
if [ ! -e dist2/demo-3.bundle ]; then ok "no bundle after a failed build"; else not_ok "no bundle after a failed build"; fi

expect 0 "build --locked from a mirror folder, empty cache" "$bundle" build --image src/demo.yaml --locked --mirror mirror --out dist2 --key keys/bundle.key
if cmp -s dist2/demo-3.bundle upstream.bundle; then ok "the mirror build is byte for byte the upstream build"; else not_ok "the mirror build is byte for byte the upstream build"; fi

export XDG_CACHE_HOME="$work/cache-http-mirror"
start_nginx "$work/nginx-mirror" "$work/mirror" || exit 1
expect 0 "build --locked from a mirror over HTTP, empty cache" "$bundle" build --image src/demo.yaml --locked --mirror "$nginx_url" --out dist3 --key keys/bundle.key
if cmp -s dist3/demo-3.bundle upstream.bundle; then ok "the HTTP mirror build is byte for byte the upstream build"; else not_ok "the HTTP mirror build is byte for byte the upstream build"; fi
stop_servers

finish
