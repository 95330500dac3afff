#!/bin/sh
# The shipped default image definition, images/ovh-ha3.yaml, built end to end without internet:
# its bytes unchanged, beside a copy of the repository's payload/ (so the completeness gate reads
# our real Cilium values) and of the bundle binary under test (its node-agent artifact). Every
# upstream it names is served from one loopback mirror base URL: nginx serves the release files,
# checksum files, Helm index and Argo CD manifest from a folder laid out as `--mirror` expects
# (<host>/<path>), and hands /v2/ to a docker-registry holding one tiny image per reference of
# the definition, pushed by skopeo under "<registry host>/<repository>".
#
# Everything served is a stand-in, written here from what the definition says at run time (so
# the test follows version bumps): random bytes for the K3s binary and air-gap images, a stand-in
# install script, a stand-in Cilium chart whose values.yaml names the pushed images by digest in
# the key layout of Cilium's chart, and a stand-in Argo CD install.yaml whose Deployments name the
# definition's `argocd` images. No real K3s, Cilium or Argo CD byte is involved; every digest is
# computed here. Nothing leaves 127.0.0.1: the offline check points every proxy variable at a
# closed loopback port.
# Prints "ok - <name>" / "not ok - <name>" and "N passed, N failed". Usage: default_image_test.sh bundle
set -u
bundle=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/bundle-default-image-XXXXXX")
registry="" mirror_url=""  # set by start_registry and start_mirror
# shellcheck disable=SC1091 # servers.sh is checked on its own
. "$here/servers.sh"
# shellcheck disable=SC1091
. "$here/harness.sh"
trap 'stop_servers; chmod -R u+w "$work"; rm -rf "$work"' EXIT
cd "$work" || exit 1
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
export XDG_CACHE_HOME="$work/cache"
export CI=1
export SOURCE_DATE_EPOCH=1700000000

# nothing_in DIR NAME: a failed build left nothing in its output folder (not even a temporary)
nothing_in() {
  if [ -z "$(find "$1" -mindepth 1 2>/dev/null)" ]; then ok "$2"; else not_ok "$2"; find "$1" -mindepth 1 | sed 's/^/#   /'; fi
}
bail_out() { echo "Bail out! $1"; [ -f "${2:-}" ] && sed 's/^/#   /' "$2"; exit 1; }
python3 -c 'import yaml' 2>/dev/null || bail_out "python3 cannot import yaml (Debian: python3-yaml)"

# The work folder, laid out as the definition's relative paths expect.
mkdir -p w/images w/build/release/builder
cp "$repo/images/ovh-ha3.yaml" w/images/ovh-ha3.yaml
cp -R "$repo/payload" w/payload
cp "$bundle" w/build/release/builder/bundle
def=w/images/ovh-ha3.yaml
name=$(sed -n 's/^name: *//p' "$def")
version=$(sed -n 's/^version: *//p' "$def")
bundle_file="$name-$version.bundle"

# The stand-ins, made from the definition. `releases` writes every URL artifact's file and
# checksum file into the mirror folder; `images` lists "group reference" per image; `chart`
# writes the stand-in chart and its repository's index.yaml from the pushed digests.
cat >standins.py <<'PY'
import hashlib, io, os, sys, tarfile, urllib.parse
import yaml

STAND_IN = "stand-in written by tests/cli/default_image_test.sh, not the real file"

def sha256(data):
    return hashlib.sha256(data).hexdigest()

def disk_path(mirror, url):
    # Mirror::disk_path: <mirror>/<host>/<path>, percent escapes decoded as nginx decodes them
    parts = urllib.parse.urlsplit(url)
    return os.path.join(mirror, parts.netloc, urllib.parse.unquote(parts.path).lstrip("/"))

def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)

def definition(path):
    with open(path) as f:
        return yaml.safe_load(f)

def group(spec, name):
    images = spec.get("images", {}).get(name)
    if not images:
        sys.exit(f"the definition has no image group {name!r}")
    return images

def split_reference(reference):
    # "quay.io/cilium/cilium:v1.18.14" -> ("quay.io/cilium/cilium", "v1.18.14")
    slash = reference.rfind("/")
    colon = reference.rfind(":")
    if colon <= slash or "@" in reference:
        sys.exit(f"{reference}: the test expects a reference with a tag and no digest")
    return reference[:colon], reference[colon + 1:]

def argocd_manifest(spec):
    images = group(spec, "argocd")
    docs = [f"# {STAND_IN}: Argo CD's install.yaml names these images.\n"
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: argocd-stand-in\n"]
    for i, image in enumerate(images):
        repository, _ = split_reference(image)
        component = "argocd-stand-in-" + repository.rsplit("/", 1)[1]
        init = ""
        if i == 0:  # as Argo CD's own Deployments do, an init container with the argocd image
            init = f"      initContainers:\n        - name: copyutil\n          image: {image}\n"
        docs.append(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {component}\n"
            f"spec:\n  template:\n    spec:\n{init}      containers:\n"
            f"        - name: main\n          image: {image}\n")
    return "---\n".join(docs).encode()

def releases(spec, mirror):
    manifests = {c["manifests"] for c in spec.get("completeness", []) if "manifests" in c}
    checksum_files = {}
    for artifact in spec["artifacts"]:
        url = artifact.get("url")
        if not url:
            continue
        base = urllib.parse.unquote(urllib.parse.urlsplit(url).path).rsplit("/", 1)[1]
        if artifact["name"] in manifests:
            data = argocd_manifest(spec)
        elif base.endswith(".sh"):
            data = f"#!/bin/sh\n# {STAND_IN} ({artifact['name']})\nexit 0\n".encode()
        else:  # a binary or an archive: random bytes, a few hundred KiB
            data = os.urandom(200_000 + len(checksum_files) * 1000)
        write(disk_path(mirror, url), data)
        if "checksums" in artifact:
            checksum_files.setdefault(artifact["checksums"], []).append(f"{sha256(data)}  {base}\n")
        elif "sha256" in artifact:
            sys.exit(f"{artifact['name']}: an inline sha256 cannot be matched by a stand-in")
    for url, lines in checksum_files.items():
        decoy = f"{sha256(url.encode())}  stand-in-file-nobody-asks-for\n"
        write(disk_path(mirror, url), "".join([decoy] + lines).encode())

# Cilium chart values: which key holds each image of the `cilium` group, by repository name.
CILIUM_KEYS = {
    "cilium": ("image",),
    "operator-generic": ("operator", "image"),
    "cilium-envoy": ("envoy", "image"),
    "hubble-relay": ("hubble", "relay", "image"),
    "hubble-ui": ("hubble", "ui", "frontend", "image"),
    "hubble-ui-backend": ("hubble", "ui", "backend", "image"),
}

def put(values, keys, value):
    for key in keys[:-1]:
        values = values.setdefault(key, {})
    values[keys[-1]] = value

def image_entry(repository, tag, digest, digest_key="digest"):
    return {"override": None, "repository": repository, "tag": tag, digest_key: digest,
            "useDigest": True, "pullPolicy": "IfNotPresent"}

def chart_values(spec, digests, agent_digest):
    # The chart's defaults as Cilium 1.18 has them: the agent and operator on, Hubble on with
    # Helm-made TLS but Relay and UI off, envoy decided by the chart (null); certgen,
    # clustermesh-apiserver, preflight and nodeinit off. Our payload values turn on the rest.
    values = {
        "agent": True,
        "operator": {"enabled": True, "replicas": 2},
        "envoy": {"enabled": None},
        "hubble": {"enabled": True,
                   "tls": {"enabled": True, "auto": {"enabled": True, "method": "helm"}},
                   "relay": {"enabled": False},
                   "ui": {"enabled": False, "standalone": {"enabled": False}}},
        "clustermesh": {"useAPIServer": False,
                        "apiserver": {"tls": {"auto": {"enabled": True, "method": "helm"}}}},
        "preflight": {"enabled": False},
        "nodeinit": {"enabled": False},
    }
    for reference in group(spec, "cilium"):
        repository, tag = split_reference(reference)
        short = repository.rsplit("/", 1)[1]
        if short not in CILIUM_KEYS:
            sys.exit(f"{reference}: the test knows no Cilium values key for it")
        digest = digests[reference]
        if short == "cilium" and agent_digest:
            digest = agent_digest
        if short == "operator-generic":  # the chart appends -generic to operator.image.repository
            entry = image_entry(repository[:-len("-generic")], tag, digest, "genericDigest")
            entry["suffix"] = ""
        else:
            entry = image_entry(repository, tag, digest)
        put(values, CILIUM_KEYS[short], entry)
    # Components the values leave off: their images are nowhere, and must not be demanded.
    registry = group(spec, "cilium")[0].split("/", 1)[0]
    def unpushed(what):
        return "sha256:" + sha256(f"{STAND_IN}: {what} is not pushed".encode())
    put(values, ("certgen", "image"),
        image_entry(f"{registry}/cilium/certgen", "stand-in", unpushed("certgen")))
    put(values, ("clustermesh", "apiserver", "image"),
        image_entry(f"{registry}/cilium/clustermesh-apiserver", "stand-in",
                    unpushed("clustermesh-apiserver")))
    put(values, ("preflight", "image"),
        image_entry(f"{registry}/cilium/cilium-preflight", "stand-in", unpushed("preflight")))
    put(values, ("preflight", "envoy", "image"),
        image_entry(f"{registry}/cilium/cilium-envoy-preflight", "stand-in",
                    unpushed("preflight envoy")))
    put(values, ("nodeinit", "image"),
        image_entry(f"{registry}/cilium/startup-script", "stand-in", unpushed("nodeinit")))
    return values

def tar_member(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 1700000000
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))

def chart(spec, mirror, digests_file, agent_digest):
    digests = {}
    with open(digests_file) as f:
        for line in f:
            reference, digest = line.split()
            digests[reference] = digest
    helm = next(a["helm"] for a in spec["artifacts"] if "helm" in a)
    name, version = helm["chart"], str(helm["version"])
    values = chart_values(spec, digests, agent_digest)
    text = f"# {STAND_IN}: the layout of Cilium's values.yaml, not its content.\n"
    text += yaml.safe_dump(values, sort_keys=False)
    meta = (f"apiVersion: v2\nname: {name}\nversion: {version}\nappVersion: {version}\n"
            f"description: {STAND_IN}\n").encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar_member(tar, f"{name}/Chart.yaml", meta)
        tar_member(tar, f"{name}/values.yaml", text.encode())
        tar_member(tar, f"{name}/templates/NOTES.txt", f"{STAND_IN}\n".encode())
    data = buffer.getvalue()
    repository = helm["repository"].rstrip("/") + "/"
    tgz = f"{name}-{version}.tgz"
    write(disk_path(mirror, repository + tgz), data)
    # As helm.cilium.io's index.yaml: URLs relative to the repository, newest first, and an
    # older version (whose file is not served) that must not be picked.
    index = (f"apiVersion: v1\nentries:\n  {name}:\n"
             f"  - apiVersion: v2\n    name: {name}\n    version: {version}\n"
             f"    description: {STAND_IN}\n    digest: {sha256(data)}\n    urls:\n    - {tgz}\n"
             f"  - apiVersion: v2\n    name: {name}\n    version: {version}-older-stand-in\n"
             f"    digest: {sha256(b'older')}\n    urls:\n    - {name}-{version}-older-stand-in.tgz\n"
             f"generated: \"2026-01-01T00:00:00Z\"\n")
    write(disk_path(mirror, repository + "index.yaml"), index.encode())

command, spec = sys.argv[1], definition(sys.argv[2])
if command == "releases":
    releases(spec, sys.argv[3])
elif command == "images":
    for name, references in spec["images"].items():
        for reference in references:
            print(name, reference)
elif command == "chart":
    chart(spec, sys.argv[3], sys.argv[4], sys.argv[5] if len(sys.argv) > 5 else None)
PY

python3 standins.py releases "$def" mirror >standins.log 2>&1 || bail_out "cannot write the stand-in releases:" standins.log
python3 standins.py images "$def" >images.txt 2>standins.log || bail_out "cannot read the definition's images:" standins.log
start_registry "$work/registry" || exit 1
start_mirror "$work/nginx-mirror" "$work/mirror" "$registry" || exit 1

# One tiny image per reference, each with its own layer (so each has its own digest), pushed as
# <registry>/<upstream host>/<repository>:<tag>, the name the mirror's /v2/ half serves.
umoci init --layout oci >push.log 2>&1 || bail_out "umoci init failed:" push.log
: >digests.txt
n=0
while read -r group reference; do
  n=$((n + 1))
  printf 'stand-in image %s for %s (group %s), not the real image\n' "$n" "$reference" "$group" >standin.txt
  if ! { umoci new --image "oci:i$n" && umoci insert --image "oci:i$n" standin.txt /stand-in.txt &&
    skopeo copy -q --dest-tls-verify=false --digestfile digest.txt "oci:oci:i$n" "docker://$registry/$reference"; } >push.log 2>&1; then
    bail_out "cannot push the stand-in for $reference:" push.log
  fi
  echo "$reference $(cat digest.txt)" >>digests.txt
done <images.txt
python3 standins.py chart "$def" mirror digests.txt >standins.log 2>&1 || bail_out "cannot write the stand-in chart:" standins.log
"$bundle" keygen --out keys >/dev/null 2>&1 || bail_out "bundle keygen failed"

# 1. The shipped definition, unlocked: every pin resolved through the mirror.
expect 0 "build the shipped definition through the mirror (no lock)" \
  "$bundle" build --image "$def" --mirror "$mirror_url" --key keys/bundle.key --out dist --quiet
tar -tf "dist/$bundle_file" >members.txt 2>&1
for member in k3s/k3s k3s/install.sh k3s/images/ manifests/argocd/install.yaml \
  images/cilium.oci.tar images/argocd.oci.tar bin/bundle payload/cilium/values.yaml; do
  has members.txt "$member" "the bundle holds $member"
done
if grep -q '^charts/cilium-.*\.tgz$' members.txt; then ok "the bundle holds charts/cilium-*.tgz"; else not_ok "the bundle holds charts/cilium-*.tgz"; sed 's/^/#   /' members.txt; fi
if tar -xOf "dist/$bundle_file" bin/bundle 2>/dev/null | cmp -s - w/build/release/builder/bundle; then ok "bin/bundle is the binary under test"; else not_ok "bin/bundle is the binary under test"; fi
expect 0 "the bundle verifies" "$bundle" verify "dist/$bundle_file" --pubkey keys/bundle.pub

# 2. Lock through the mirror, then a locked build from an empty cache: the same bytes.
expect 0 "lock the shipped definition through the mirror" "$bundle" lock --image "$def" --mirror "$mirror_url" --quiet
if [ -s w/images/ovh-ha3.lock.yaml ]; then ok "the lock is written beside the definition"; else not_ok "the lock is written beside the definition"; fi
has w/images/ovh-ha3.lock.yaml "https://github.com/" "the lock names the upstream URLs"
if grep -q "127\.0\.0\.1" w/images/ovh-ha3.lock.yaml; then not_ok "the lock does not name the mirror"; else ok "the lock does not name the mirror"; fi
missing=""
while read -r reference digest; do
  grep -qF "$digest" w/images/ovh-ha3.lock.yaml || missing="$missing $reference"
done <digests.txt
if [ -z "$missing" ]; then ok "the lock records every pushed image digest"; else not_ok "the lock records every pushed image digest; missing:$missing"; fi
expect 0 "build --locked through the mirror, empty cache" \
  "$bundle" build --image "$def" --locked --mirror "$mirror_url" --cache cache-locked --key keys/bundle.key --out dist-locked --quiet
if cmp -s "dist/$bundle_file" "dist-locked/$bundle_file"; then ok "the locked build is byte for byte the unlocked one"; else not_ok "the locked build is byte for byte the unlocked one"; fi

# 3. The completeness gate: a chart whose values name the agent image by another digest.
wrong="sha256:$(printf 'not the pushed agent image' | sha256sum | cut -d' ' -f1)"
agent=$(awk '$1 == "cilium" && $2 ~ /\/cilium:/ { print $2 }' images.txt)
python3 standins.py chart "$def" mirror digests.txt "$wrong" >standins.log 2>&1 || bail_out "cannot write the changed chart:" standins.log
expect 3 "the gate refuses a chart whose agent image digest the bundle lacks" \
  "$bundle" build --image "$def" --mirror "$mirror_url" --key keys/bundle.key --out dist-gate --quiet
stderr_has "$agent@$wrong" "the refusal names the image the chart wants"
stderr_has "values key image" "the refusal names the values key"
nothing_in dist-gate "no bundle after the gate refuses"
stop_servers

# 4. Without a mirror and without internet: every proxy points at a closed loopback port, so
# nothing (not even a DNS query) leaves 127.0.0.1.
closed="http://127.0.0.1:$(free_port)"
expect 5 "the shipped definition without a mirror fails as a network error" \
  env https_proxy="$closed" HTTPS_PROXY="$closed" http_proxy="$closed" HTTP_PROXY="$closed" ALL_PROXY="$closed" \
  "$bundle" build --image "$def" --cache cache-offline --key keys/bundle.key --out dist-offline --quiet
stderr_has "https://github.com/" "the offline error names a github.com URL"
stderr_has "--mirror" "the offline error suggests --mirror"
nothing_in dist-offline "no bundle after the offline failure"

finish
