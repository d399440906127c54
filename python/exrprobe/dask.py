"""Check a whole show on a Dask cluster: one task per file, the shot-level (sequence) records
computed once every frame is in.

>>> from dask.distributed import Client, LocalCluster
>>> import exrprobe.dask
>>> client = Client(LocalCluster(n_workers=4))
>>> records = exrprobe.dask.check(["/shows/abc/renders"], client=client)
>>> [r["path"] for r in records if r.get("status") == "FAIL"]

The records are those of :func:`exrprobe.check` (and ``exrprobe check --json``), in the same
order. The workers read the files themselves, so they must see the same storage under the same
paths as the machine that calls ``check`` (which only lists the folders). Dask is an optional
extra: ``pip install "./python[dask]"``.
"""

from __future__ import annotations

import json
import os
from typing import Iterable, Optional, Tuple, Union

from ._exrprobe import check_one_json as _check_one_json
from ._exrprobe import find_inputs as _find_inputs
from ._exrprobe import sequence_records_json as _sequence_records_json

__all__ = ["check"]

PathLike = Union[str, "os.PathLike[str]"]


def _check_batch(batch: list) -> list:
    """One task: check each ``(path, failure)`` of ``batch``; returns ``(record, frame)`` JSON
    pairs (runs on a worker)."""
    return [_check_one_json(path, failure) for path, failure in batch]


def check(
    paths_or_folders: Union[PathLike, Iterable[PathLike]],
    client: Optional[object] = None,
    batch_size: int = 1,
) -> list:
    """The records of :func:`exrprobe.check` for these files and folders, computed on a Dask
    cluster: the files are spread over the workers (``batch_size`` files per task; raise it for
    many small files), then the sequence records are made from all frames at once.

    ``client`` is a ``dask.distributed.Client``; by default the current one
    (``dask.distributed.get_client()``), which raises ``ValueError`` when there is none.
    """
    from dask.distributed import get_client

    if isinstance(paths_or_folders, (str, os.PathLike)):
        paths_or_folders = [paths_or_folders]
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    client = client if client is not None else get_client()
    inputs: list = [
        (os.fspath(path), failure) for path, failure in _find_inputs([os.fspath(p) for p in paths_or_folders])
    ]
    batches = [inputs[i : i + batch_size] for i in range(0, len(inputs), batch_size)]
    futures = client.map(_check_batch, batches, pure=False)
    results: list = [pair for batch in client.gather(futures) for pair in batch]
    records = [json.loads(record) for record, _ in results]
    frames: list[Tuple[str, str]] = [
        (path, frame) for (path, failure), (_, frame) in zip(inputs, results) if failure is None
    ]
    records.extend(json.loads(record) for record in _sequence_records_json(frames))
    return records
