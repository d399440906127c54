#!/usr/bin/env python3
"""The Python peer for scripts/bench_diff.sh: `exrprobe diff A B` in OpenEXR + NumPy.

    bench_diff_peer.py A B     read every channel of both files, and for each shared one
                               compute the metrics of `exrprobe diff` (valid, max_abs and where,
                               mean_abs, rmse, mean_rel, max_rel, differing, mismatches)

Written the way a TD would: vectorised NumPy in float64, one channel at a time. OpenEXR decodes
with its default thread pool (all cores).
"""

import sys

import numpy as np
import OpenEXR

SENTINEL_THRESHOLD = 1e9


def load(path):
    exr = OpenEXR.File(path, separate_channels=True)
    return {name: channel.pixels for name, channel in exr.channels().items()}


def metrics(a, b):
    x, z = a.astype(np.float64), b.astype(np.float64)
    if a.dtype == b.dtype:
        uint = {2: np.uint16, 4: np.uint32}[a.dtype.itemsize]
        differing = int(np.count_nonzero(a.view(uint) != b.view(uint)))
    else:
        differing = int(np.count_nonzero(~((x == z) | (np.isnan(x) & np.isnan(z)))))
    va = np.isfinite(x) & (x < SENTINEL_THRESHOLD)
    vb = np.isfinite(z) & (z < SENTINEL_THRESHOLD)
    valid = va & vb
    d = np.abs(x - z)
    dv = d[valid]
    rel = dv / np.maximum(np.abs(z[valid]), 1e-6)
    at = np.unravel_index(int(np.argmax(np.where(valid, d, -1.0))), d.shape)
    return {
        "valid": int(valid.sum()),
        "max_abs": float(dv.max()) if dv.size else 0.0,
        "at": (int(at[1]), int(at[0])),
        "mean_abs": float(dv.mean()) if dv.size else None,
        "rmse": float(np.sqrt(np.mean(dv * dv))) if dv.size else None,
        "mean_rel": float(rel.mean()) if dv.size else None,
        "max_rel": float(rel.max()) if dv.size else 0.0,
        "differing": differing,
        "mismatch": int(np.count_nonzero(va != vb)),
    }


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    a, b = load(sys.argv[1]), load(sys.argv[2])
    for name in sorted(set(a) & set(b)):
        m = metrics(a[name], b[name])
        print(name, m["valid"], m["max_abs"], m["differing"])


if __name__ == "__main__":
    main()
