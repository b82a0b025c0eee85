"""The file store of photos and voice notes: Django's file system storage, made durable.

A report is acknowledged only once it is durable, its photo included. Django's
``FileSystemStorage`` writes a file and closes it but never flushes it to the disk, so a power
cut right after the answer could lose a photo whose case survived. This storage flushes each
saved file and its folder (``fsync``) before ``save`` returns. ``_save`` is the hook Django
documents for custom storage classes; the writing itself stays Django's.

Configured as the ``default`` storage in settings; any storage with the same API (an
S3-compatible one, for several app nodes) can replace it there.
"""

from __future__ import annotations

import os

from django.core.files.storage import FileSystemStorage


def _fsync_path(path: str, flags: int) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DurableFileSystemStorage(FileSystemStorage):
    """``FileSystemStorage`` whose ``save`` returns only once the file is on the disk."""

    def _save(self, name, content):
        name = super()._save(name, content)
        path = self.path(name)
        _fsync_path(path, os.O_RDONLY)
        _fsync_path(os.path.dirname(path), os.O_RDONLY | os.O_DIRECTORY)
        return name
