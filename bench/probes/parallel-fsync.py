#!/usr/bin/env python3
"""How long a small capture's durability step takes: fsync of each new object, then of each object folder, one after
another (Portal before a4349d1) or from 16 threads at once (FileSystemObjectStore.WriteManifest since). The same system
calls as the store makes, on the filesystem holding FOLDER; 125 objects of 90 kB in random objects/xx folders, as a 1 %
incremental snapshot of the product benchmark's shop stores. Usage: parallel-fsync.py FOLDER [ROUNDS]"""
import os
import random
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor


def prepare(root):
    shutil.rmtree(root, ignore_errors=True)
    paths = []
    for i in range(125):
        folder = os.path.join(root, "%02x" % random.randrange(256))
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "object%d" % i)
        with open(path, "wb") as f:
            f.write(os.urandom(90_000))
        paths.append(path)
    return paths


def fsync(path, folder=False):
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if folder else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def one_by_one(paths):
    for path in paths:
        fsync(path)
    for folder in sorted({os.path.dirname(p) for p in paths}):
        fsync(folder, True)


def at_once(paths):
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(fsync, paths))
        list(pool.map(lambda folder: fsync(folder, True), sorted({os.path.dirname(p) for p in paths})))


def main():
    base = os.path.join(sys.argv[1], "portal-fsync-probe")
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    try:
        for r in range(rounds):
            for name, run in (("one by one", one_by_one), ("16 at once", at_once)):
                paths = prepare(os.path.join(base, name.replace(" ", "-")))
                started = time.perf_counter()
                run(paths)
                print(f"round {r + 1}: {name:10s} {(time.perf_counter() - started) * 1000:6.1f} ms")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
