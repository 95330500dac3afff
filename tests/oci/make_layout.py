#!/usr/bin/env python3
"""Writes the OCI image layout the oci tests push to their registry (test data, not a tool).

    make_layout.py OUT_DIR

Tags in OUT_DIR/index.json (org.opencontainers.image.ref.name):
  single  a linux/amd64 manifest: layers "shared" and "single-only"
  multi   an index: linux/amd64 (layers "shared", "multi-amd64"), linux/arm64/v8 ("multi-arm64")
          and an attestation manifest (platform unknown/unknown, BuildKit's annotations)
  other   a linux/amd64 manifest: layers "shared" and "other-only"

Layers are real gzip'd tars of a few KiB of seeded random bytes, with configs whose diff_ids
match, so containerd can unpack them. OUT_DIR/summary.json lists every descriptor per tag and
platform for the tests to compare with.
"""
import gzip
import hashlib
import io
import json
import os
import random
import sys
import tarfile

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def put_blob(out, data, media_type):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(out, "blobs", "sha256", digest), "wb") as f:
        f.write(data)
    return {"mediaType": media_type, "digest": "sha256:" + digest, "size": len(data)}


def canonical(obj):
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


def layer(out, name):
    content = random.Random(name).randbytes(4096)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("data/" + name)
        info.size = len(content)
        info.mtime = 0
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(content))
    tar_bytes = raw.getvalue()
    compressed = gzip.compress(tar_bytes, mtime=0)
    return put_blob(out, compressed, OCI_LAYER), "sha256:" + hashlib.sha256(tar_bytes).hexdigest()


def image(out, arch, variant, layer_names):
    layers, diff_ids = zip(*(layer(out, n) for n in layer_names))
    config = {"architecture": arch, "os": "linux", "config": {"Cmd": ["/data"]},
              "rootfs": {"type": "layers", "diff_ids": list(diff_ids)}}
    if variant:
        config["variant"] = variant
    config_desc = put_blob(out, canonical(config), OCI_CONFIG)
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config_desc, "layers": list(layers)}
    manifest_desc = put_blob(out, canonical(manifest), OCI_MANIFEST)
    return manifest_desc, [config_desc] + list(layers)


def attestation(out, subject):
    statement = put_blob(out, canonical({"_type": "https://in-toto.io/Statement/v0.1", "subject": []}),
                         "application/vnd.in-toto+json")
    statement["annotations"] = {"in-toto.io/predicate-type": "https://spdx.dev/Document"}
    config = put_blob(out, canonical({"architecture": "unknown", "os": "unknown", "config": {},
                                      "rootfs": {"type": "layers", "diff_ids": [statement["digest"]]}}), OCI_CONFIG)
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config, "layers": [statement]}
    desc = put_blob(out, canonical(manifest), OCI_MANIFEST)
    desc["annotations"] = {"vnd.docker.reference.digest": subject["digest"],
                           "vnd.docker.reference.type": "attestation-manifest"}
    desc["platform"] = {"architecture": "unknown", "os": "unknown"}
    return desc


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
    summary = {}
    top_entries = []

    for tag, layers in (("single", ["shared", "single-only"]), ("other", ["shared", "other-only"])):
        manifest, blobs = image(out, "amd64", None, layers)
        summary[tag] = {"top": manifest, "platforms": {"linux/amd64": {"manifest": manifest, "blobs": blobs}}}
        top_entries.append(dict(manifest, annotations={"org.opencontainers.image.ref.name": tag}))

    amd64, amd64_blobs = image(out, "amd64", None, ["shared", "multi-amd64"])
    arm64, arm64_blobs = image(out, "arm64", "v8", ["multi-arm64"])
    entries = [dict(amd64, platform={"architecture": "amd64", "os": "linux"}),
               dict(arm64, platform={"architecture": "arm64", "os": "linux", "variant": "v8"}),
               attestation(out, amd64)]
    index = put_blob(out, canonical({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}), OCI_INDEX)
    summary["multi"] = {"top": index, "platforms": {
        "linux/amd64": {"manifest": amd64, "blobs": amd64_blobs},
        "linux/arm64": {"manifest": arm64, "blobs": arm64_blobs}}}
    top_entries.append(dict(index, annotations={"org.opencontainers.image.ref.name": "multi"}))

    with open(os.path.join(out, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    with open(os.path.join(out, "index.json"), "wb") as f:
        f.write(canonical({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": top_entries}))
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
