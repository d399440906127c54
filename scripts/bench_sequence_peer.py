#!/usr/bin/env python3
"""The Python peer for scripts/bench_sequence.sh: `exrprobe check FOLDER`'s per-file work with
the OpenEXR bindings and NumPy, file after file: load every channel, per-channel min/max/NaN/Inf
counts, a 256-bin histogram of the depth channel (bench_peer.check); a file that cannot be read
is reported and skipped.

    bench_sequence_peer.py FOLDER
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import bench_peer  # noqa: E402


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    files = sorted(p for p in Path(argv[1]).rglob("*") if p.suffix.lower() == ".exr")
    failed = 0
    for path in files:
        try:
            bench_peer.check(str(path))
        except Exception as error:  # noqa: BLE001 - any failure is a file the peer cannot read
            failed += 1
            print(f"cannot read {path}: {error}")
    print(f"{len(files)} files, {failed} unreadable")


if __name__ == "__main__":
    main(sys.argv)
