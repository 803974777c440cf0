"""Gap: destroying a bucket whose versioning was suspended crashes moto with HTTP 500
('FakeDeleteMarker' object has no attribute 'dispose'). Fix: delete markers hold no data, so disposing
of one is a no-op, as it is for any object without stored bytes."""

from __future__ import annotations


def apply() -> None:
    from moto.s3.models import FakeDeleteMarker

    if not hasattr(FakeDeleteMarker, "dispose"):
        FakeDeleteMarker.dispose = lambda self, garbage=False: None  # type: ignore[attr-defined]
