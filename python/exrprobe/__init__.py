"""Read OpenEXR channels and depth into NumPy, with exrprobe's diagnostics.

>>> import exrprobe
>>> depth = exrprobe.read_depth("frame_0001.exr")          # float32, (height, width)
>>> channels = exrprobe.read("frame_0001.exr")             # {"ViewLayer.Depth.Z": array, ...}

``read_depth`` refuses (raises :class:`DepthError`) a depth buffer that is constant (Blender's
"Compositing on, Depth not linked" trap: 1.0 in every pixel) or all background, so that a matrix
of ones never reaches your code silently. Decoding runs with the GIL released; several threads can
read different files at once.
"""

from __future__ import annotations

import json
import os
from typing import Iterable, Optional, Union

import numpy

from ._exrprobe import DepthError, ExrError
from ._exrprobe import check_json as _check_json
from ._exrprobe import info_json as _info_json
from ._exrprobe import read as _read
from ._exrprobe import read_depth as _read_depth

__all__ = ["read", "read_depth", "info", "check", "ExrError", "DepthError"]

PathLike = Union[str, "os.PathLike[str]"]


def read(
    path: PathLike,
    channels: Optional[Union[str, Iterable[str]]] = None,
    dtype: Optional[object] = None,
) -> dict:
    """Every channel (or the named ones) as ``(height, width)`` C-contiguous arrays of the data
    window, keyed by the full channel name (``"ViewLayer.Depth.Z"``; multi-part files
    ``"part/channel"``; a name repeated in one file gets ``#2``, ``#3``...).

    ``dtype=None`` keeps the file's types (half -> float16, float -> float32, uint -> uint32),
    bit-identical to the OpenEXR bindings; ``dtype="float32"`` widens half exactly (as NumPy's
    ``astype``) and converts uint (exact up to 2**24).

    Raises :class:`ExrError` when the file (or a part holding a requested channel) cannot be
    read, :class:`KeyError` for a channel the file does not have.
    """
    if isinstance(channels, str):
        channels = [channels]
    float32 = False
    if dtype is not None:
        if numpy.dtype(dtype) != numpy.float32:
            raise ValueError(f"dtype must be None (the file's types) or float32, not {dtype!r}")
        float32 = True
    return _read(os.fspath(path), None if channels is None else list(channels), float32)


def read_depth(path: PathLike, *, strict: bool = True) -> numpy.ndarray:
    """The detected depth channel as a float32 ``(height, width)`` array.

    With ``strict=True`` (the default) a depth buffer that is constant or all background raises
    :class:`DepthError` whose message is the finding's title and fix and whose ``.code`` is the
    finding code (``depth_constant``, ``depth_all_background``). ``strict=False`` returns what
    is there. A file without a depth channel always raises :class:`DepthError` with code
    ``depth_missing``.
    """
    return _read_depth(os.fspath(path), strict=strict)


def info(path: PathLike) -> dict:
    """The record ``exrprobe info --json`` prints for the file, from the same code: parts,
    channels with their statistics (``min``, ``max``, ``mean``, NaN/Inf/background counts,
    ``constant``), the detected depth and colour channels with the rule that chose them, and the
    findings (``code``, ``severity``, ``title``, ``explanation``, ``fix``). See docs/CLI.md.

    Raises :class:`ExrError` when the file cannot be read.
    """
    return json.loads(_info_json(os.fspath(path)))


def check(paths: Union[PathLike, Iterable[PathLike]]) -> list:
    """The records ``exrprobe check --json`` prints for these files and folders (folders are
    searched recursively for ``*.exr``), from the same code: one per file, in the CLI's order
    (paths that cannot be used first, then each sequence's frames by number), each with
    ``path``, ``status`` (``OK``, ``WARN``, ``FAIL``, ``ERROR``, ``WRITING``), ``error``,
    ``depth_channel`` and ``findings``; then one per frame sequence with ``sequence``,
    ``first``, ``last``, ``count``, ``missing`` frame numbers, counts per ``status`` and the
    shot's ``findings`` (``sequence_gap``, ``sequence_mismatch``, ``sequence_depth_constant``).

    A file that cannot be read is a record with status ``ERROR`` (never an exception), as in
    the CLI. Files are checked in parallel with the GIL released. For a whole show on a
    cluster, see :func:`exrprobe.dask.check`.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    return [json.loads(record) for record in _check_json([os.fspath(p) for p in paths])]
