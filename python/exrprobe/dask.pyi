import os
from typing import Iterable, Optional, Union

PathLike = Union[str, os.PathLike[str]]

def check(
    paths_or_folders: Union[PathLike, Iterable[PathLike]],
    client: Optional[object] = None,
    batch_size: int = 1,
) -> list[dict[str, object]]: ...
