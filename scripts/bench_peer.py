#!/usr/bin/env python3
"""The Python peer for scripts/bench.sh: the same work as exrprobe, with OpenEXR + NumPy.

    bench_peer.py check FILE          load every channel, per-channel min/max/NaN/Inf counts,
                                      a 256-bin histogram of the depth channel
    bench_peer.py export FILE OUT     load every channel, save the depth channel as float32 .npy
    bench_peer.py decoded-size FILE   print the bytes all channels take decoded in their native types

Depth is the channel whose name ends in "Depth.Z" (Blender multilayer) or is exactly "Z". The
histogram covers the finite samples below 1e9 (Cycles writes 1e10 where nothing was hit), like
exrprobe's. OpenEXR decodes with its default thread pool (all cores).
"""

import sys

import numpy as np
import OpenEXR

SENTINEL_THRESHOLD = 1e9
BYTES_PER_SAMPLE = {"HALF": 2, "FLOAT": 4, "UINT": 4}


def load(path):
    """Every channel of the first part, as {name: 2-D array in the file's native dtype}."""
    exr = OpenEXR.File(path, separate_channels=True)
    return {name: channel.pixels for name, channel in exr.channels().items()}


def depth_name(channels):
    for name in sorted(channels):
        if name == "Z" or name.endswith("Depth.Z"):
            return name
    raise SystemExit(f"bench_peer: no depth channel: {sorted(channels)}")


def check(path):
    channels = load(path)
    for name, pixels in sorted(channels.items()):
        values = pixels.ravel()
        nan = int(np.count_nonzero(np.isnan(values)))
        inf = int(np.count_nonzero(np.isinf(values)))
        finite = values[np.isfinite(values)]
        lo = float(finite.min()) if finite.size else None
        hi = float(finite.max()) if finite.size else None
        print(f"{name}: min {lo} max {hi} nan {nan} inf {inf}")
    depth = channels[depth_name(channels)].ravel().astype(np.float32)
    hits = depth[np.isfinite(depth) & (depth < SENTINEL_THRESHOLD)]
    if hits.size:
        counts, edges = np.histogram(hits, bins=256, range=(float(hits.min()), float(hits.max())))
        print(f"depth histogram: {int(counts.sum())} samples in {edges[0]}..{edges[-1]}")
    print(f"depth sentinels: {int(np.count_nonzero(depth >= SENTINEL_THRESHOLD))}")


def export(path, out):
    channels = load(path)
    np.save(out, np.ascontiguousarray(channels[depth_name(channels)], dtype=np.float32))
    print(out)


def decoded_size(path):
    header = OpenEXR.InputFile(path).header()
    window = header["dataWindow"]
    pixels = (window.max.x - window.min.x + 1) * (window.max.y - window.min.y + 1)
    total = 0
    for channel in header["channels"].values():
        samples = pixels // (channel.xSampling * channel.ySampling)
        total += samples * BYTES_PER_SAMPLE[str(channel.type)]
    print(total)


def main(argv):
    if len(argv) == 3 and argv[1] == "check":
        check(argv[2])
    elif len(argv) == 4 and argv[1] == "export":
        export(argv[2], argv[3])
    elif len(argv) == 3 and argv[1] == "decoded-size":
        decoded_size(argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
