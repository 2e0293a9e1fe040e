"""Helpers for .github/workflows/self-test.yml, in Python because moto brings Python and
boto3 to every runner image. One subcommand per step; each fails loudly with what differs.

  make-versions DIR          two releases of a 3 MiB file, the second a small edit of the first
  make-tree DIR              a small directory tree (nested folders, an empty file, a binary)
  make-tgz DIR               two releases of a tree packed with GNU tar + gzip (Linux only)
  same A B                   A and B are byte-identical (files), or the same tree (folders)
  kinds JSON KIND...         the `results` output of an upload has these kinds, in order
  dump BUCKET OUT            every object of BUCKET, with its metadata, into folder OUT
  load BUCKET IN             the objects `dump` wrote, into BUCKET (created)
"""
import filecmp
import json
import math
import os
import random
import subprocess
import sys
from pathlib import Path

ENDPOINT = os.environ.get("SELF_TEST_ENDPOINT", "http://127.0.0.1:5555")


def fail(message):
    print(f"::error::{message}")
    sys.exit(1)


def make_versions(folder):
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(27)
    first = bytearray(rng.randbytes(3 * 1024 * 1024))
    (out / "app-1.0.0.bin").write_bytes(first)
    second = bytearray(first)
    for offset in range(4096, len(second), 512 * 1024):
        second[offset : offset + 64] = rng.randbytes(64)
    (out / "app-1.0.1.bin").write_bytes(second)


def make_tree(folder):
    root = Path(folder)
    rng = random.Random(100)
    (root / "lib" / "deep").mkdir(parents=True, exist_ok=True)
    (root / "index.js").write_text("console.log('hello');\n" * 200)
    (root / "lib" / "util.js").write_text("export const x = 1;\n" * 500)
    (root / "lib" / "deep" / "data.bin").write_bytes(rng.randbytes(200_000))
    (root / "empty.txt").write_bytes(b"")


def release_parts(tree, release):
    """The e2e test's .tgz releases (__tests__/e2e/archive-aware.test.ts), in Python."""
    tree.mkdir(parents=True, exist_ok=True)
    x = 42

    def step():
        # In doubles, as JavaScript computes it (the product passes 2**53 and rounds).
        nonlocal x
        x = int(math.fmod(float(x) * 1103515245.0 + 12345.0, 2.0**31))
        return x

    for part in range(8):
        lines = [f"{i}: {step()} {step() % 977} {step()}" for i in range(12000)]
        if release == 2:
            lines[500 * part] = "a change in 2.0"
        (tree / f"part-{part}.txt").write_text("\n".join(lines))


def make_tgz(folder):
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for release in (1, 2):
        tree = out / f"release-{release}" / "site"
        release_parts(tree, release)
        archive = out / f"site-{release}.0.0.tgz"
        # GNU tar piped to GNU gzip -6, as `tar czf` does: the form archive-aware must rebuild.
        subprocess.run(["tar", "czf", str(archive), "-C", str(tree.parent), "site"], check=True)


def same(a, b):
    a, b = Path(a), Path(b)
    if a.is_file() or b.is_file():
        if not (a.is_file() and b.is_file() and a.read_bytes() == b.read_bytes()):
            fail(f"{a} and {b} differ")
        return
    def walk(where, found):
        for entry in sorted(where.rglob("*")):
            if entry.is_file():
                found[entry.relative_to(where).as_posix()] = entry
        return found
    left, right = walk(a, {}), walk(b, {})
    if sorted(left) != sorted(right):
        fail(f"{a} and {b} hold different files: {sorted(left)} vs {sorted(right)}")
    for name in left:
        if not filecmp.cmp(left[name], right[name], shallow=False):
            fail(f"{name} differs between {a} and {b}")


def kinds(results, *expected):
    got = [entry["kind"] for entry in json.loads(results)]
    if got != list(expected):
        fail(f"expected kinds {list(expected)}, got {got}")


def client():
    import boto3  # installed with moto[server]

    return boto3.client("s3", endpoint_url=ENDPOINT, region_name="us-east-1")


def dump(bucket, folder):
    s3, out = client(), Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    index = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            obj = s3.get_object(Bucket=bucket, Key=item["Key"])
            name = f"{len(index):04d}.bin"
            (out / name).write_bytes(obj["Body"].read())
            index.append({"key": item["Key"], "file": name, "metadata": obj["Metadata"]})
    (out / "index.json").write_text(json.dumps(index, indent=1))
    print(f"dumped {len(index)} objects of {bucket}")


def load(bucket, folder):
    s3, src = client(), Path(folder)
    s3.create_bucket(Bucket=bucket)
    index = json.loads((src / "index.json").read_text())
    for entry in index:
        body = (src / entry["file"]).read_bytes()
        s3.put_object(Bucket=bucket, Key=entry["key"], Body=body, Metadata=entry["metadata"])
    print(f"loaded {len(index)} objects into {bucket}")


COMMANDS = {
    "make-versions": make_versions,
    "make-tree": make_tree,
    "make-tgz": make_tgz,
    "same": same,
    "kinds": kinds,
    "dump": dump,
    "load": load,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        fail(f"usage: steps.py {{{','.join(COMMANDS)}}} ...")
    COMMANDS[sys.argv[1]](*sys.argv[2:])
