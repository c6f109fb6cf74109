"""Single byte-range requests (RFC 9110, section 14), for seeking in videos.

Only one range is served. A request for several ranges gets the whole file
with 200, which the RFC allows and browsers handle; multipart/byteranges
responses buy nothing for media playback.
"""

import re
from dataclasses import dataclass

from django.http import HttpResponse, StreamingHttpResponse

# 64 KiB: the size Django's FileResponse reads per chunk.
CHUNK_BYTES = 64 * 1024

RANGE_PATTERN = re.compile(r"^bytes=(\d*)-(\d*)$")


class RangeNotSatisfiable(ValueError):
    """The range lies wholly past the end of the representation."""


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as in Content-Range

    @property
    def length(self):
        return self.end - self.start + 1


def parse_range(header, size):
    """Return the ByteRange that ``header`` asks for in ``size`` bytes.

    Returns None when the header is absent, malformed, or names several
    ranges: the caller then sends the whole file. Raises RangeNotSatisfiable
    when the range starts at or past the end.
    """
    if not header:
        return None
    match = RANGE_PATTERN.match(header.strip())
    if match is None:
        return None

    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        # A suffix range: the final N bytes.
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(header)
        return ByteRange(max(size - suffix, 0), size - 1)

    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable(header)
    end = min(int(last), size - 1) if last else size - 1
    return ByteRange(start, end)


def if_range_allows(request, etag):
    """False when an If-Range validator says the client's copy is stale.

    Only entity tags are compared: no Last-Modified is sent, so a date in
    If-Range can never match and the whole file is due.
    """
    validator = request.headers.get("If-Range")
    if not validator:
        return True
    return validator.strip() == etag


def ranged_response(request, handle, size, content_type, etag):
    """Answer a GET for an open binary file, honouring one Range.

    Returns 206 with the asked bytes, 416 when the range is past the end, or
    200 with the whole file. The response closes ``handle`` when done.
    """
    try:
        byte_range = parse_range(request.headers.get("Range"), size)
    except RangeNotSatisfiable:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = "bytes */%d" % size
        return response
    if byte_range is not None and not if_range_allows(request, etag):
        byte_range = None

    if byte_range is None:
        byte_range = ByteRange(0, size - 1)
        status = 200
    else:
        status = 206

    response = StreamingHttpResponse(
        _FileRange(handle, byte_range), status=status, content_type=content_type
    )
    response["Content-Length"] = str(byte_range.length)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    if status == 206:
        span = (byte_range.start, byte_range.end, size)
        response["Content-Range"] = "bytes %d-%d/%d" % span
    return response


class _FileRange:
    """The bytes of one range of an open file, read in chunks.

    Django calls ``close`` when the response is done, including when the
    client went away mid-stream or the body was never read (HEAD).
    """

    def __init__(self, handle, byte_range):
        self.handle = handle
        self.byte_range = byte_range

    def __iter__(self):
        self.handle.seek(self.byte_range.start)
        remaining = self.byte_range.length
        while remaining > 0:
            chunk = self.handle.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk

    def close(self):
        self.handle.close()
