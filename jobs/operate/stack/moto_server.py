"""moto's server (`python -m moto.server`) with one fix: no folders made of deleted keys.

In a versioned bucket, moto lists a key whose latest version is a delete marker as a folder
(CommonPrefixes) when a delimiter is given; AWS lists only folders that still hold a current
object. Hadoop's FileOutputCommitter lists `_temporary/0/` with a delimiter, so the second
Spark write to a path of a versioned emulator bucket found the deleted task folders of the first
and failed ("No such file or directory: s3a://.../_temporary/0/task_..."). Still so in moto 5.2.6;
remove this module when moto lists like AWS.
"""

from __future__ import annotations

import copy

from moto.s3.models import FakeBucket, FakeDeleteMarker, FakeTableStorageBucket, S3Backend
from moto.server import main


class _CurrentKeys:
    """A bucket's keys without those whose latest version is a delete marker."""

    def __init__(self, keys) -> None:
        self._keys = keys

    def items(self):
        return [(name, key) for name, key in self._keys.items() if not isinstance(key, FakeDeleteMarker)]


def list_current_objects(original):
    def list_objects(self, bucket, *arguments, **keywords):
        if isinstance(bucket, FakeBucket) and not isinstance(bucket, FakeTableStorageBucket):
            bucket = copy.copy(bucket)
            bucket.keys = _CurrentKeys(bucket.keys)
        return original(self, bucket, *arguments, **keywords)

    return list_objects


if __name__ == "__main__":
    S3Backend.list_objects = list_current_objects(S3Backend.list_objects)
    main()
