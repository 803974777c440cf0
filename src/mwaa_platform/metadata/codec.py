"""Streaming compression of table files: zstd when ``zstandard`` is installed, gzip (stdlib) otherwise.

The codec is recorded per file in the manifest, so a restore reads whatever the backup wrote. zstandard is
pinned in Airflow's constraints files; on MWAA add ``zstandard`` to requirements.txt to get it.
"""

from __future__ import annotations

import gzip
import hashlib
from typing import Any, BinaryIO

from mwaa_platform.metadata.errors import ConfigurationError

CODECS = ("zstd", "gzip")
SUFFIX = {"zstd": "zst", "gzip": "gz"}


def zstd_available() -> bool:
    try:
        import zstandard  # noqa: F401
    except ImportError:
        return False
    return True


def default_codec() -> str:
    return "zstd" if zstd_available() else "gzip"


def check(codec: str) -> str:
    if codec not in CODECS:
        raise ConfigurationError(f"unknown codec {codec!r}: use one of {', '.join(CODECS)}")
    if codec == "zstd" and not zstd_available():
        raise ConfigurationError("codec zstd needs the 'zstandard' package (pip install zstandard), or use gzip")
    return codec


class Compressor:
    """``write()`` raw bytes, compressed bytes go to ``sink``; ``close()`` ends the frame (sink stays open)."""

    def __init__(self, codec: str, sink: Any, level: int | None = None):
        self.codec = check(codec)
        self.raw_bytes = 0
        self._stream: Any
        if codec == "zstd":
            import zstandard

            cctx = zstandard.ZstdCompressor(level=level if level is not None else 3)
            self._stream = cctx.stream_writer(sink, write_size=1 << 20, closefd=False)
        else:
            self._stream = gzip.GzipFile(fileobj=sink, mode="wb", compresslevel=level or 3, mtime=0)

    def write(self, data: bytes | memoryview) -> int:
        n = len(data)
        self.raw_bytes += n
        self._stream.write(data)
        return n

    def close(self) -> None:
        if self.codec == "zstd":
            import zstandard

            self._stream.flush(zstandard.FLUSH_FRAME)
        self._stream.close()


class HashingReader:
    """Pass-through reader that hashes and counts the (compressed) bytes it hands out."""

    def __init__(self, source: BinaryIO | Any):
        self._source = source
        self.sha256 = hashlib.sha256()
        self.bytes = 0

    def read(self, size: int = -1) -> bytes:
        data: bytes = self._source.read(size)
        self.sha256.update(data)
        self.bytes += len(data)
        return data

    def readable(self) -> bool:
        return True

    def drain(self) -> None:
        """Read to the end so the hash covers the whole object (trailing bytes after the frame)."""
        while self.read(1 << 20):
            pass


def decompressor(codec: str, source: Any) -> Any:
    """A file-like object whose ``read(n)`` yields the decompressed stream of ``source``."""
    check(codec)
    if codec == "zstd":
        import zstandard

        return zstandard.ZstdDecompressor().stream_reader(source, read_size=1 << 20, closefd=False)
    return gzip.GzipFile(fileobj=source, mode="rb")
