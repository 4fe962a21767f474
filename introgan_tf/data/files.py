"""Where a dataset's files are looked for, and the one-line error when they are not there.

In order, unless ``--data_dir`` is given (then only there):

1. ``datasets/<name>/`` (relative to the working directory, as in the original repository);
2. ``$INTROGAN_DATA_DIR/<name>/``;
3. the dataset's system directories (e.g. Debian's ``/usr/share/datasets/fashion-mnist/``).
"""

import os
from typing import Optional, Tuple

from introgan_tf.data.dataset_info import DatasetInfo
from introgan_tf.errors import InputError


def candidate_dirs(info: DatasetInfo, data_dir: Optional[str]) -> Tuple[str, ...]:
    """The directories searched for ``info``'s files, in order."""
    if data_dir:
        return (data_dir,)
    dirs = [os.path.join("datasets", info.files_dir)]
    env_root = os.environ.get("INTROGAN_DATA_DIR")
    if env_root:
        dirs.append(os.path.join(env_root, info.files_dir))
    dirs.extend(info.system_dirs)
    return tuple(dirs)


def find_data_dir(info: DatasetInfo, data_dir: Optional[str]) -> str:
    """Returns the first candidate directory holding all of ``info.required_files`` (or of one of its
    ``alternative_files`` sets).

    Raises:
      InputError: listing the places tried and how to obtain the data.
    """
    tried = candidate_dirs(info, data_dir)
    for directory in tried:
        for file_set in (info.required_files,) + tuple(info.alternative_files):
            if all(os.path.isfile(os.path.join(directory, f)) for f in file_set):
                return directory
    if data_dir:
        if not os.path.isdir(data_dir):
            problem = f"--data_dir {data_dir}: directory does not exist"
        else:
            missing = [f for f in info.required_files if not os.path.isfile(os.path.join(data_dir, f))]
            problem = f"--data_dir {data_dir}: missing {', '.join(missing)}"
        raise InputError(f"{info.name}: {problem}; to obtain the data, {info.how_to_get}")
    raise InputError(f"{info.name}: data files not found in any of {', '.join(tried)}; to obtain the data, "
                     f"{info.how_to_get} (or point --data_dir / $INTROGAN_DATA_DIR at them)")
