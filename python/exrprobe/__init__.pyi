import os
from typing import Iterable, Optional, Union

import numpy
import numpy.typing

PathLike = Union[str, os.PathLike[str]]

class ExrError(OSError):
    """The file cannot be read as OpenEXR; the message ends with the path."""

class DepthError(ValueError):
    """The depth buffer is missing, constant or all background."""

    code: str
    """The finding code: ``depth_missing``, ``depth_constant`` or ``depth_all_background``."""

def read(
    path: PathLike,
    channels: Optional[Union[str, Iterable[str]]] = None,
    dtype: Optional[numpy.typing.DTypeLike] = None,
) -> dict[str, numpy.ndarray]: ...
def read_depth(path: PathLike, *, strict: bool = True) -> numpy.ndarray: ...
def info(path: PathLike) -> dict[str, object]: ...
def check(paths: Union[PathLike, Iterable[PathLike]]) -> list[dict[str, object]]: ...
