#!/usr/bin/env python3
"""Cross-check exrprobe's export against the official OpenEXR Python bindings.

For every readable fixture under tests/fixtures (not Damaged/), every channel is read with
`OpenEXR.File(path, separate_channels=True)` and compared bit for bit (`.view(uint)`, so NaN
payloads count) with what `exrprobe export` writes:

  * `export FILE --all --dtype native -o all.npz`: every channel in its own type (<f2/<f4/<u4);
  * `export FILE --all -o all_f32.npz`: every channel as f32, against numpy's `astype(float32)`;
  * `export FILE --channel DEPTH -o depth.npy`: the detected depth channel as f32.

The statistics of `info --json` (which reads files the way `check` does: every channel summarised
as it is decoded) are compared with NumPy's over the same arrays: min and max of the finite
samples, NaN / +Inf / -Inf counts, background sentinels (finite ≥ 1e9) and the constant value;
the mean of the finite samples against the exact one (`math.fsum` / n) within one f32 step (JSON
holds it at f32 precision) and against NumPy's float64 mean within four.

`diff --json` is compared with the same metrics computed naively in NumPy float64 on pairs of
fixtures (`DIFF_PAIRS`: two frames of the Blender shot, and one render as ZIP float and PIZ half).

Fixtures damaged on purpose outside Damaged/ (`DAMAGED` below: the cut-off frame of the Blender
shot) must be refused by exrprobe; the bindings only warn on them and return what they could read.

Besides the fixtures, files written by the OpenEXR library itself through the bindings
(`write_codec_files`) in every compression Blender offers (RLE, ZIPS, ZIP, PIZ, PXR24, B44, B44A,
DWAA, DWAB), scan lines and tiles, odd sizes, half/float/uint channels with negative values, flat
areas, noise, NaN/Inf, a 1e10 background and a half channel with `pLinear` set, are checked the
same way: the lossy codecs must give exactly what OpenEXR's decoder gives.

Files with deep data or subsampled channels are skipped with a note (the bindings and exrprobe
do not represent them the same way). Prints one line per file and `N passed, N failed`; exits
non-zero on any mismatch.

Usage: python3 scripts/crosscheck.py PATH/TO/exrprobe [FIXTURES_DIR]
Requires: pip install numpy OpenEXR
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import OpenEXR

UINT_OF = {2: np.uint16, 4: np.uint32}


def run(binary: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=600)


# Fixtures outside Damaged/ that are damaged on purpose: exrprobe must refuse them.
DAMAGED = {
    "blender/sequence/beauty.0007.exr": "a frame cut off at half its bytes",
}


def expected_channels(path: Path) -> dict[str, np.ndarray]:
    """Every channel read by the OpenEXR bindings, keyed like exrprobe's qualified names."""
    exr = OpenEXR.File(str(path), separate_channels=True)
    multi_part = len(exr.parts) > 1
    arrays = {}
    for index, part in enumerate(exr.parts):
        part_name = part.name() or str(index)
        for name, channel in part.channels.items():
            key = f"{part_name}/{name}" if multi_part else name
            arrays[key] = np.ascontiguousarray(channel.pixels)
    return arrays


def same_bits(got: np.ndarray, want: np.ndarray) -> str | None:
    """None when identical in dtype, shape and every bit; else what differs."""
    if got.dtype != want.dtype:
        return f"dtype {got.dtype} != {want.dtype}"
    if got.shape != want.shape:
        return f"shape {got.shape} != {want.shape}"
    uint = UINT_OF[got.dtype.itemsize]
    differ = got.view(uint) != want.view(uint)
    if differ.any():
        row, col = np.argwhere(differ)[0]
        return (
            f"{int(differ.sum())} samples differ, first at row {row} col {col}: "
            f"{got[row, col]!r} != {want[row, col]!r}"
        )
    return None


def as_f32(array: np.ndarray) -> np.ndarray:
    return array.astype(np.float32)


def compare_npz(npz_path: Path, expected: dict[str, np.ndarray], convert) -> list[str]:
    problems = []
    with np.load(npz_path) as npz:
        got_names, want_names = set(npz.files), set(expected)
        if got_names != want_names:
            problems.append(
                f"channels differ: only in exrprobe {sorted(got_names - want_names)}, "
                f"only in OpenEXR {sorted(want_names - got_names)}"
            )
        for name in sorted(got_names & want_names):
            difference = same_bits(npz[name], convert(expected[name]))
            if difference:
                problems.append(f"{name}: {difference}")
    return problems


SENTINEL_THRESHOLD = 1e9


def compare_stats(record: dict, expected: dict[str, np.ndarray]) -> list[str]:
    """`info --json` channel statistics against NumPy's over OpenEXR's arrays."""
    problems = []
    for channel in record["channels"]:
        name = channel["name"]
        if name not in expected:
            continue  # compare_npz reports channel-set differences
        values = expected[name].ravel()
        floating = values.dtype.kind == "f"
        wide = values.astype(np.float64)
        finite = wide[np.isfinite(wide)]

        def as_json(v):
            # Half and float statistics are written at f32 precision, uint ones as integers.
            return float(np.float32(v)) if floating else int(v)

        want = {
            "nan": int(np.isnan(wide).sum()),
            "pos_inf": int(np.isposinf(wide).sum()),
            "neg_inf": int(np.isneginf(wide).sum()),
            "sentinel": int((finite >= SENTINEL_THRESHOLD).sum()) if floating else 0,
            "min": as_json(finite.min()) if finite.size else None,
            "max": as_json(finite.max()) if finite.size else None,
        }
        bits = values.view(UINT_OF[values.dtype.itemsize])
        if values.size and (bits == bits[0]).all():
            first = wide[0]
            want["constant"] = (
                "nan" if np.isnan(first) else "inf" if first == np.inf
                else "-inf" if first == -np.inf else as_json(first)
            )
        else:
            want["constant"] = None
        # JSON holds the shortest text of the f32 value; read it back as f32 too.
        got = {
            key: float(np.float32(v)) if floating and isinstance(v, float) else v
            for key, v in ((key, channel[key]) for key in want)
        }
        if got != want:
            differing = {k: (got[k], want[k]) for k in want if got[k] != want[k]}
            problems.append(f"statistics of {name} (exrprobe, numpy): {differing}")
        if finite.size:
            problems += compare_mean(name, channel.get("mean"), finite)
    return problems


def compare_mean(name: str, got, finite: np.ndarray) -> list[str]:
    """The mean (printed at f32 precision) against the exact mean and NumPy's float64 mean."""
    if got is None:
        return [f"mean of {name}: missing"]
    got = np.float32(got)
    exact = np.float32(math.fsum(finite.tolist()) / finite.size)
    numpy_mean = np.float32(np.mean(finite, dtype=np.float64))
    problems = []
    for what, want, steps in (("exact", exact, 1), ("numpy float64", numpy_mean, 4)):
        step = np.spacing(np.abs(want)) if want != 0 else np.float32(0)
        if abs(np.float64(got) - np.float64(want)) > steps * np.float64(step):
            problems.append(f"mean of {name}: exrprobe {got!r}, {what} {want!r}")
    return problems


def check_file(binary: str, path: Path, scratch: Path) -> tuple[str, list[str]]:
    """Returns ("PASS" | "FAIL" | "SKIP", details)."""
    info = run(binary, "info", "--json", str(path))
    damage = None
    for relative, why in DAMAGED.items():
        if path.as_posix().endswith(relative):
            damage = why
    if damage is not None:
        # OpenEXR's bindings only warn and return what they could read; exrprobe must refuse.
        if info.returncode == 2 and "exrprobe:" in info.stderr:
            return "PASS", [f"refused, as it should be ({damage})"]
        return "FAIL", [f"a damaged file ({damage}) was not refused: exit {info.returncode}"]
    if info.returncode != 0:
        return "FAIL", [f"exrprobe info failed: {info.stderr.strip()}"]
    record = json.loads(info.stdout)
    if any(part["deep"] for part in record["parts"]):
        return "SKIP", ["deep data (not compared)"]
    if any(tuple(channel["sampling"]) != (1, 1) for channel in record["channels"]):
        return "SKIP", ["subsampled channels (not compared)"]

    expected = expected_channels(path)
    problems = compare_stats(record, expected)

    native = scratch / "all.npz"
    result = run(binary, "export", str(path), "--all", "--dtype", "native", "-o", str(native))
    if result.returncode != 0:
        problems.append(f"export --all --dtype native failed: {result.stderr.strip()}")
    else:
        problems += [f"native {p}" for p in compare_npz(native, expected, lambda a: a)]

    widened = scratch / "all_f32.npz"
    result = run(binary, "export", str(path), "--all", "-o", str(widened))
    if result.returncode != 0:
        problems.append(f"export --all failed: {result.stderr.strip()}")
    else:
        problems += [f"f32 {p}" for p in compare_npz(widened, expected, as_f32)]

    depth = record.get("depth_channel")
    if depth is not None:
        depth_npy = scratch / "depth.npy"
        result = run(binary, "export", str(path), "--channel", depth, "-o", str(depth_npy))
        if result.returncode != 0:
            problems.append(f"export --channel {depth} failed: {result.stderr.strip()}")
        elif depth not in expected:
            problems.append(f"depth channel {depth} is not among OpenEXR's channels")
        else:
            difference = same_bits(np.load(depth_npy), as_f32(expected[depth]))
            if difference:
                problems.append(f"depth {depth}: {difference}")

    note = f"{len(expected)} channels" + (f", depth {depth}" if depth else ", no depth")
    return ("FAIL", problems) if problems else ("PASS", [note])


CODECS = ["RLE", "ZIPS", "ZIP", "PIZ", "PXR24", "B44", "B44A", "DWAA", "DWAB"]


def codec_channels(height: int, width: int) -> dict[str, np.ndarray]:
    """A small render-like pass set: half colour (smooth, flat patches, negatives, noise, NaN and
    Inf), float colour (`diff.R/G/B`, DWA's second Y'CbCr group), a lone half luminance `Y`, a
    float depth with a 1e10 background, a half normal and a uint object index."""
    rng = np.random.default_rng(2026)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    smooth = np.sin(x / 9.0) * np.cos(y / 7.0) * 4.0
    flat = ((x // 8 + y // 8) % 5 - 2.0) * 0.75
    noise = rng.normal(0.0, 1.0, (height, width)).astype(np.float32)
    red = smooth.astype(np.float16)
    red[0, 3], red[1, 5], red[2, 7] = np.nan, np.inf, -np.inf
    depth = (5.0 + x * 0.01 + y * 0.02).astype(np.float32)
    depth[(x - width / 2) ** 2 + (y - height / 2) ** 2 > (height / 2.2) ** 2] = 1e10
    return {
        "R": red,
        "G": flat.astype(np.float16),
        "B": (smooth + noise * 0.05).astype(np.float16),
        "A": np.clip(noise, 0, 1).astype(np.float16),
        "N.X": (noise * 3).astype(np.float16),
        "diff.R": (smooth * 100.0).astype(np.float32),
        "diff.G": flat.astype(np.float32),
        "diff.B": (np.abs(smooth) + noise * 0.01).astype(np.float32),
        "Y": (smooth * 0.5 + flat).astype(np.float16),
        "Z": depth,
        "P.X": (smooth * 1000 + noise).astype(np.float32),
        "id": (x.astype(np.uint32) * 7 + y.astype(np.uint32) * 131) % 1000,
    }


def write_codec_files(directory: Path) -> list[Path]:
    """Files written by the OpenEXR library in every codec, as scan lines and as tiles."""
    paths = []
    channels: dict = dict(codec_channels(77, 203))
    # A half channel with pLinear set (B44 stores it exponentiated and decodes it through a
    # table of 8·ln(x); DWA keeps it linear): positive values over a wide range, zeros, negatives.
    y, x = np.mgrid[0:77, 0:203].astype(np.float32)
    linear = np.exp2(x * 0.07 - y * 0.2).astype(np.float16)
    linear[::7, ::5] = 0.0
    linear[3::11, ::9] = -0.5
    channels["lin.L"] = OpenEXR.Channel(linear, 1, 1, True)
    for codec in CODECS:
        compression = getattr(OpenEXR, f"{codec}_COMPRESSION")
        for storage in ("scanline", "tiled"):
            header = {"compression": compression}
            if storage == "tiled":
                tiles = OpenEXR.TileDescription()
                tiles.xSize, tiles.ySize, tiles.mode = 48, 40, OpenEXR.ONE_LEVEL
                header.update(type=OpenEXR.tiledimage, tiles=tiles)
            else:
                header.update(type=OpenEXR.scanlineimage)
            path = directory / f"openexr_{codec.lower()}_{storage}.exr"
            with OpenEXR.File(header, channels) as exr:
                exr.write(str(path))
            paths.append(path)
    return paths


# Pairs for `diff --json` against NumPy: two frames of the Blender shot (same types), and the
# same render stored as ZIP float and PIZ half (half against float).
DIFF_PAIRS = [
    ("blender/sequence/beauty.0001.exr", "blender/sequence/beauty.0002.exr"),
    ("blender/sequence/beauty.0003.exr", "blender/sequence/beauty.0004.exr"),
    ("blender/multilayer_zip_32.exr", "blender/multilayer_piz_16.exr"),
]


def numpy_diff(a: np.ndarray, b: np.ndarray) -> dict:
    """The metrics of `exrprobe diff` (see docs/CLI.md), naively in NumPy float64."""
    x, z = a.astype(np.float64), b.astype(np.float64)
    if a.dtype == b.dtype:
        differing = int((a.view(UINT_OF[a.dtype.itemsize]) != b.view(UINT_OF[b.dtype.itemsize])).sum())
    else:
        differing = int((~((x == z) | (np.isnan(x) & np.isnan(z)))).sum())
    def valid_of(v, array):
        ok = np.isfinite(v)
        return ok & ~(v >= SENTINEL_THRESHOLD) if array.dtype.kind == "f" else ok
    va, vb = valid_of(x, a), valid_of(z, b)
    valid = va & vb
    d = np.abs(x - z)[valid]
    rel = d / np.maximum(np.abs(z[valid]), 1e-6)
    out = {
        "valid": int(valid.sum()),
        "differing": differing,
        "mismatch_nonfinite": int((va != vb).sum()),
        "max_abs": float(d.max()) if d.size else 0.0,
        "max_rel": float(rel.max()) if rel.size else 0.0,
        "mean_abs": float(math.fsum(d.tolist()) / d.size) if d.size else None,
        "rmse": float(np.sqrt(np.mean(d * d))) if d.size else None,
        "mean_rel": float(np.mean(rel)) if d.size else None,
    }
    if d.size and out["max_abs"] > 0:
        masked = np.where(valid, np.abs(x - z), -1.0)
        y, xx = np.unravel_index(int(np.argmax(masked)), masked.shape)  # first in row order
        out["max_abs_at"] = [int(xx), int(y)]
    else:
        out["max_abs_at"] = None
    return out


def check_diff(binary: str, root: Path, a_rel: str, b_rel: str) -> tuple[str, list[str]]:
    """`diff --json A B` against numpy_diff over the OpenEXR bindings' arrays. Counts, max_abs,
    max_rel and where the maximum is must be equal; mean_abs (exact sum on both sides) too up to
    the last bit of the division; rmse and mean_rel within 1e-12 relative (NumPy sums pairwise,
    exrprobe with compensated sums: both are within a few ulps of the exact value)."""
    a, b = root / a_rel, root / b_rel
    result = run(binary, "diff", "--json", str(a), str(b))
    if result.returncode not in (0, 1):
        return "FAIL", [f"exit {result.returncode}: {result.stderr.strip()}"]
    record = json.loads(result.stdout)
    arrays_a, arrays_b = expected_channels(a), expected_channels(b)
    shared = sorted(set(arrays_a) & set(arrays_b))
    got_names = sorted(c["name"] for c in record["channels"])
    problems = [] if got_names == shared else [f"channels {got_names} != {shared}"]
    for channel in record["channels"]:
        name = channel["name"]
        if name not in shared:
            continue
        want = numpy_diff(arrays_a[name], arrays_b[name])
        for key, value in want.items():
            got = channel[key]
            if key in ("rmse", "mean_rel") and value is not None and got is not None:
                ok = abs(got - value) <= 1e-12 * max(abs(value), 1e-300)
            elif key == "mean_abs" and value is not None and got is not None:
                ok = abs(got - value) <= 2 * np.spacing(abs(value))
            else:
                ok = got == value
            if not ok:
                problems.append(f"{name}.{key}: exrprobe {got!r}, numpy {value!r}")
    want_verdict = "identical" if all(c["differing"] == 0 for c in record["channels"]) else "different"
    if record["verdict"] != want_verdict:
        problems.append(f"verdict {record['verdict']} != {want_verdict}")
    note = f"diff of {len(shared)} channels, verdict {record['verdict']}"
    return ("FAIL", problems) if problems else ("PASS", [note])


def main() -> int:
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    binary = str(Path(sys.argv[1]).resolve())
    root = Path(sys.argv[2]) if len(sys.argv) == 3 else Path(__file__).parent.parent / "tests" / "fixtures"
    files = sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and p.suffix.lower() == ".exr" and "Damaged" not in p.relative_to(root).parts
    )
    if not files:
        print(f"no .exr fixtures under {root}", file=sys.stderr)
        return 2

    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}

    def run_one(shown: str, check) -> None:
        try:
            status, details = check()
        except Exception as error:  # a crash in one case must not hide the others
            status, details = "FAIL", [f"{type(error).__name__}: {error}"]
        counts[status] += 1
        if status == "FAIL":
            print(f"FAIL {shown}")
            for detail in details:
                print(f"     {detail}")
        else:
            print(f"{status} {shown}: {'; '.join(details)}")

    for path in files:
        with tempfile.TemporaryDirectory() as scratch:
            run_one(str(path.relative_to(root)), lambda: check_file(binary, path, Path(scratch)))
    with tempfile.TemporaryDirectory() as written:
        for path in write_codec_files(Path(written)):
            with tempfile.TemporaryDirectory() as scratch:
                run_one(f"written by OpenEXR: {path.name}", lambda: check_file(binary, path, Path(scratch)))
    for a_rel, b_rel in DIFF_PAIRS:
        if (root / a_rel).is_file() and (root / b_rel).is_file():
            run_one(f"diff {a_rel} {b_rel}", lambda: check_diff(binary, root, a_rel, b_rel))
    passed, failed, skipped = counts["PASS"], counts["FAIL"], counts["SKIP"]
    print(f"{passed} passed, {failed} failed" + (f" ({skipped} skipped)" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
