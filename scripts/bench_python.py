#!/usr/bin/env python3
"""Benchmark of the Python package: ``exrprobe.read(path)`` and ``exrprobe.read_depth(path)``
against the OpenEXR bindings (``OpenEXR.File(path, separate_channels=True)``, every channel's
pixels), on the 3840×2160, 33-channel ZIP float and PIZ half benchmark files.

    python scripts/bench_python.py [BENCH_DIR]

Run it with the interpreter of a virtual environment where ``pip install ./python OpenEXR`` was
done. BENCH_DIR (default ``$CARGO_TARGET_DIR/bench``) holds the files made by
``cargo run --release -p exrprobe-synth --example make_bench_file -- BENCH_DIR``
(``scripts/bench.sh`` makes them too). Each measurement runs in a fresh interpreter (so that
the page cache is warm but nothing else is shared), BENCH_RUNS times (default 5) after one
warm-up; the median is reported, with the peak RSS of one run against the bytes of the arrays
it returned. Targets: ≤ 0.30× the bindings' time; peak RSS ≤ 1.1× the arrays (plus the
interpreter's own, measured by a run that only imports).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

MEASURE = r"""
import json, resource, sys, time
kind, path = sys.argv[1], sys.argv[2]
import numpy
if kind.startswith("exrprobe"):
    import exrprobe
else:
    import OpenEXR
started = time.perf_counter()
if kind == "exrprobe.read":
    arrays = list(exrprobe.read(path).values())
elif kind == "exrprobe.read_depth":
    arrays = [exrprobe.read_depth(path)]
elif kind == "OpenEXR (all channels)":
    with OpenEXR.File(path, separate_channels=True) as f:
        arrays = [c.pixels for c in f.channels().values()]
elif kind == "OpenEXR (depth)":
    with OpenEXR.File(path, separate_channels=True) as f:
        channels = f.channels()
        name = next(n for n in channels if n.endswith("Depth.Z") or n == "Z")
        arrays = [numpy.asarray(channels[name].pixels, dtype=numpy.float32)]
elif kind == "import only":
    arrays = []
seconds = time.perf_counter() - started
print(json.dumps({
    "seconds": seconds,
    "bytes": sum(a.nbytes for a in arrays),
    "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
}))
"""


def measure(kind: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, kind, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def main() -> int:
    target = os.environ.get("CARGO_TARGET_DIR", str(Path(__file__).resolve().parents[1] / "target"))
    bench_dir = Path(sys.argv[1] if len(sys.argv) > 1 else Path(target) / "bench")
    runs = int(os.environ.get("BENCH_RUNS", "5"))
    files = [bench_dir / "bench_4k_zip_f32.exr", bench_dir / "bench_4k_piz_f16.exr"]
    missing = [f for f in files if not f.is_file()]
    if missing:
        print(f"bench_python: missing {missing}; make them with make_bench_file (see the docstring)")
        return 2
    baseline = measure("import only", files[0])["peak_rss"]
    print(f"interpreter with numpy and the module imported: {baseline / 2**20:.0f} MiB peak RSS")
    for path in files:
        print(f"\n{path.name} ({path.stat().st_size / 2**20:.0f} MiB)")
        for ours, peer in [
            ("exrprobe.read", "OpenEXR (all channels)"),
            ("exrprobe.read_depth", "OpenEXR (depth)"),
        ]:
            result = {}
            for kind in (ours, peer):
                measure(kind, path)  # warm-up
                samples = [measure(kind, path) for _ in range(runs)]
                result[kind] = {
                    "seconds": statistics.median(s["seconds"] for s in samples),
                    "bytes": samples[0]["bytes"],
                    "peak_rss": max(s["peak_rss"] for s in samples),
                }
                r = result[kind]
                over = (r["peak_rss"] - baseline) / max(r["bytes"], 1)
                print(
                    f"  {kind:24} {r['seconds']:7.3f} s   arrays {r['bytes'] / 2**20:7.1f} MiB   "
                    f"peak RSS {r['peak_rss'] / 2**20:7.1f} MiB ({over:.2f}× the arrays beyond the interpreter)"
                )
            ratio = result[ours]["seconds"] / result[peer]["seconds"]
            print(f"  {ours} / {peer}: {ratio:.2f}× (target ≤ 0.30×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
