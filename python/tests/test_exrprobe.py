"""The exrprobe Python package against the official OpenEXR bindings on the repository's
fixtures: bit-identical channels, the depth trap raising, every damaged file raising."""

from __future__ import annotations

import concurrent.futures
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import OpenEXR
import pytest

import exrprobe

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"
DAMAGED_ON_PURPOSE = {"blender/sequence/beauty.0007.exr"}  # cut off at half its bytes


def readable_fixtures() -> list[Path]:
    files = []
    for path in sorted(FIXTURES.rglob("*")):
        relative = path.relative_to(FIXTURES).as_posix()
        if not path.is_file() or path.suffix.lower() != ".exr":
            continue
        if "Damaged/" in relative or relative in DAMAGED_ON_PURPOSE:
            continue
        files.append(path)
    return files


def bindings(path: Path) -> dict[str, np.ndarray] | None:
    """Every channel as the OpenEXR bindings read it, keyed like exrprobe (None: not comparable)."""
    exr = OpenEXR.File(str(path), separate_channels=True)
    arrays = {}
    multi_part = len(exr.parts) > 1
    for index, part in enumerate(exr.parts):
        header = part.header
        if "deep" in str(header.get("type", "")).lower():
            return None
        for name, channel in part.channels.items():
            if getattr(channel, "xSampling", 1) != 1 or getattr(channel, "ySampling", 1) != 1:
                return None
            key = f"{part.name() or index}/{name}" if multi_part else name
            arrays[key] = np.ascontiguousarray(channel.pixels)
    return arrays


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    unsigned = {2: np.uint16, 4: np.uint32}[a.dtype.itemsize]
    return bool((a.view(unsigned) == b.view(unsigned)).all())


@pytest.mark.parametrize("path", readable_fixtures(), ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_every_channel_is_bit_identical_to_the_bindings(path: Path) -> None:
    expected = bindings(path)
    if expected is None:
        pytest.skip("deep or subsampled: the bindings and exrprobe represent them differently")
    try:
        got = exrprobe.read(path)
    except exrprobe.ExrError as error:
        pytest.fail(f"{error}")
    assert sorted(got) == sorted(expected)
    for name, array in got.items():
        assert array.flags["C_CONTIGUOUS"], name
        assert same_bits(array, expected[name]), name
        # float32 widens exactly, as NumPy's astype does (NaN payloads included).
    for name, array in exrprobe.read(path, dtype="float32").items():
        want = expected[name].astype(np.float32)
        assert array.dtype == np.float32
        assert same_bits(array, want), name


def test_arrays_are_handed_over_without_a_copy() -> None:
    path = FIXTURES / "blender/multilayer_piz_16.exr"
    # In the file's types, the decoder writes into arrays NumPy allocated.
    depth = exrprobe.read(path, "ViewLayer.Depth.Z")["ViewLayer.Depth.Z"]
    assert depth.flags["OWNDATA"] and depth.base is None and depth.flags["WRITEABLE"]
    # Widened, or the depth alone: the array wraps the decoder's buffer (no NumPy allocation).
    for array in (
        exrprobe.read(path, "ViewLayer.Combined.R", dtype="float32")["ViewLayer.Combined.R"],
        exrprobe.read_depth(path),
    ):
        assert array.dtype == np.float32
        assert not array.flags["OWNDATA"] and array.base is not None
        assert array.flags["WRITEABLE"]


def test_a_channel_named_twice_is_read_once() -> None:
    path = FIXTURES / "blender/multilayer_piz_16.exr"
    got = exrprobe.read(path, ["ViewLayer.Depth.Z", "ViewLayer.Depth.Z"])
    assert list(got) == ["ViewLayer.Depth.Z"]
    assert same_bits(got["ViewLayer.Depth.Z"], exrprobe.read(path)["ViewLayer.Depth.Z"])


def test_named_channels_and_an_unknown_name() -> None:
    path = FIXTURES / "blender/multilayer_piz_16.exr"
    got = exrprobe.read(path, channels=["ViewLayer.Depth.Z", "ViewLayer.Combined.R"])
    assert list(got) == ["ViewLayer.Depth.Z", "ViewLayer.Combined.R"]
    assert got["ViewLayer.Combined.R"].dtype == np.float16
    with pytest.raises(KeyError, match="ViewLayer.Depth.Z"):
        exrprobe.read(path, channels="Depth")
    with pytest.raises(ValueError):
        exrprobe.read(path, dtype="float64")


def test_the_constant_depth_trap_raises_unless_asked_not_to() -> None:
    trap = FIXTURES / "blender/single_zbuf_compositing_on.exr"
    with pytest.raises(exrprobe.DepthError) as caught:
        exrprobe.read_depth(trap)
    assert caught.value.code == "depth_constant"
    assert isinstance(caught.value, ValueError)
    assert "1.0 in every pixel" in str(caught.value) and "Fix:" in str(caught.value)
    assert str(trap) in str(caught.value)
    ones = exrprobe.read_depth(trap, strict=False)
    assert ones.dtype == np.float32 and (ones == 1.0).all()


def test_real_depth_is_returned_as_float32_equal_to_the_bindings() -> None:
    path = FIXTURES / "blender/single_zbuf_compositing_off.exr"
    depth = exrprobe.read_depth(path)
    want = OpenEXR.File(str(path), separate_channels=True).channels()["Z"].pixels
    assert depth.dtype == np.float32 and same_bits(depth, want.astype(np.float32))
    assert depth.min() > 7.0 and depth.max() == np.float32(1e10)


def test_a_file_without_depth_raises_depth_missing() -> None:
    with pytest.raises(exrprobe.DepthError) as caught:
        exrprobe.read_depth(FIXTURES / "openexr-images/TestImages/GrayRampsHorizontal.exr", strict=False)
    assert caught.value.code == "depth_missing"


def test_every_damaged_file_raises_an_exr_error() -> None:
    damaged = sorted((FIXTURES / "openexr-images/Damaged").iterdir())
    damaged.append(FIXTURES / "blender/sequence/beauty.0007.exr")
    assert len(damaged) > 50
    for path in damaged:
        with pytest.raises(exrprobe.ExrError) as caught:
            exrprobe.read(path)
        assert isinstance(caught.value, OSError)
        assert str(path) in str(caught.value), str(caught.value)


def test_missing_files_raise_an_exr_error_with_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "frame_0001.exr"
    with pytest.raises(exrprobe.ExrError, match="frame_0001.exr"):
        exrprobe.read(missing)
    with pytest.raises(exrprobe.ExrError, match="frame_0001.exr"):
        exrprobe.read_depth(missing)


def test_threads_reading_different_files_at_once() -> None:
    files = [p for p in readable_fixtures() if "blender" in p.as_posix()]
    sequential = {p: exrprobe.read(p) for p in files}
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        parallel = dict(zip(files, pool.map(exrprobe.read, files * 1)))
    for path in files:
        assert sorted(parallel[path]) == sorted(sequential[path])
        for name, array in parallel[path].items():
            assert same_bits(array, sequential[path][name]), (path, name)


def exrprobe_binary() -> str | None:
    """The CLI built by `cargo test` (CI), to compare records with; None when not built."""
    target = os.environ.get("CARGO_TARGET_DIR", str(FIXTURES.parents[1] / "target"))
    binary = Path(target) / "debug" / "exrprobe"
    return str(binary) if binary.is_file() else None


@pytest.mark.parametrize(
    "relative",
    ["blender/single_zbuf_compositing_on.exr", "blender/multilayer_piz_16.exr", "openexr-images/TestImages/WideFloatRange.exr"],
)
def test_info_is_the_record_the_cli_prints(relative: str) -> None:
    path = FIXTURES / relative
    record = exrprobe.info(path)
    assert record["path"] == str(path)
    assert {"parts", "channels", "depth_channel", "findings"} <= set(record)
    binary = exrprobe_binary()
    if binary is None:
        pytest.skip("no exrprobe binary built (cargo build) to compare with")
    printed = subprocess.run([binary, "info", "--json", str(path)], capture_output=True, text=True, check=True)
    assert record == json.loads(printed.stdout)


def test_info_reports_the_trap_as_a_finding() -> None:
    record = exrprobe.info(FIXTURES / "blender/single_zbuf_compositing_on.exr")
    assert record["depth_channel"] == "Z"
    codes = [f["code"] for f in record["findings"]]
    assert "depth_constant" in codes
    with pytest.raises(exrprobe.ExrError):
        exrprobe.info(FIXTURES / "blender/sequence/beauty.0007.exr")


def cli_check_records(binary: str, paths: list) -> list:
    printed = subprocess.run([binary, "check", "--json", *map(str, paths)], capture_output=True, text=True)
    assert printed.returncode in (0, 1, 2), printed.stderr
    return [json.loads(line) for line in printed.stdout.splitlines()]


def test_check_gives_the_file_and_sequence_records_of_the_cli() -> None:
    sequence = FIXTURES / "blender/sequence"
    trap = FIXTURES / "blender/single_zbuf_compositing_on.exr"
    records = exrprobe.check([sequence, trap])
    by_path = {r["path"]: r for r in records if "path" in r}
    assert by_path[str(trap)]["status"] == "FAIL"
    assert "depth_constant" in [f["code"] for f in by_path[str(trap)]["findings"]]
    assert by_path[str(sequence / "beauty.0007.exr")]["status"] == "ERROR"
    shots = [r for r in records if "sequence" in r]
    assert len(shots) == 1
    assert shots[0]["missing"] == [6]
    assert "sequence_gap" in [f["code"] for f in shots[0]["findings"]]
    # One path is a list of one.
    assert exrprobe.check(trap) == [by_path[str(trap)]]
    binary = exrprobe_binary()
    if binary is None:
        pytest.skip("no exrprobe binary built (cargo build) to compare with")
    assert records == cli_check_records(binary, [sequence, trap])


def test_the_dask_recipe_on_a_local_cluster_gives_the_records_of_check() -> None:
    distributed = pytest.importorskip("dask.distributed")
    import exrprobe.dask

    inputs = [FIXTURES / "blender/sequence", FIXTURES / "blender", FIXTURES / "does-not-exist"]
    expected = exrprobe.check(inputs)
    assert any(r.get("status") == "ERROR" for r in expected)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            assert exrprobe.dask.check(inputs, client=client) == expected
            assert exrprobe.dask.check(inputs, client=client, batch_size=3) == expected
            # Without a client argument: the current client.
            assert exrprobe.dask.check(inputs[0]) == exrprobe.check(inputs[0])
