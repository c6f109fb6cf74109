"""Reading a video's facts with PyAV: streams, size as displayed, length.

imageio-ffmpeg ships no ffprobe; PyAV reads the same container and codec
headers in-process. Only the first frame is decoded (for the rotation and to
prove there is a picture); the length is checked against the packets at the
end of the file, which costs a seek and reading (not decoding) the packets
of the last keyframe interval.
"""

from dataclasses import dataclass
from fractions import Fraction

import av

from ingest.errors import MediaError

# The length check seeks to this many seconds before the declared end; the
# demuxer lands on the keyframe at or before it and reads on to the end.
TAIL_S = 1.0

# A video whose packets stop short of its declared length by more than this
# (seconds, or share of the length) is cut off. Matroska declares only the
# longest track's length, and audio may run a little past the picture.
TRUNCATION_SLACK_S = 1.0
TRUNCATION_SLACK_SHARE = 0.05


@dataclass(frozen=True)
class VideoProbe:
    """What a video file says about its picture, sound and length."""

    stream_index: int  # of the picture, as ffmpeg numbers the streams
    width: int  # as displayed: rotation and pixel aspect applied
    height: int
    duration: float  # seconds
    frame_rate: float | None
    video_codec: str
    # As FFmpeg names it (yuv420p, yuv420p10le, ...); None when unknown.
    pixel_format: str | None
    audio_codec: str | None
    # Clockwise degrees the stored picture is turned for display (0, 90, 180
    # or 270), the convention of the old "rotate" tag that phones write.
    rotation: int
    bit_rate: int | None  # bits per second, whole file
    creation_time: str | None  # as written in the container

    def as_metadata(self):
        """Return the facts that have no column of their own on Asset."""
        return {
            "frame_rate": self.frame_rate,
            "video_codec": self.video_codec,
            "pixel_format": self.pixel_format,
            "audio_codec": self.audio_codec,
            "rotation": self.rotation,
            "bit_rate": self.bit_rate,
        }


def probe(path, check_length=False):
    """Return the VideoProbe of the video file at ``path``.

    With ``check_length``, a file whose packets end well before its declared
    length is refused as truncated. Raises MediaError for a file without a
    picture or that cannot be read; a missing original (FileNotFoundError)
    propagates: it is the storage's fault and worth a retry.
    """
    try:
        with av.open(str(path)) as container:
            return _probe(container, check_length)
    except av.error.EOFError as err:
        # A Matroska file with no frames reads the same as one cut off
        # within its headers.
        raise MediaError(
            "The video is empty or cut off: the file ends before its first frame."
        ) from err
    except av.error.InvalidDataError as err:
        raise MediaError(
            "The video file is damaged or truncated (%s)." % _reason(err)
        ) from err


def _probe(container, check_length):
    stream = video_stream(container)
    if stream.codec_context is None:
        raise MediaError("The video's codec is unknown or not supported.")
    first = _first_frame(container, stream)
    rotation = _rotation(first, stream)

    declared = _declared_duration(container, stream)
    if declared is None or check_length:
        duration = _check_length(container, stream, declared)
    else:
        duration = declared

    width, height = _displayed_size(stream, rotation)
    return VideoProbe(
        stream_index=stream.index,
        width=width,
        height=height,
        duration=duration,
        frame_rate=_frame_rate(stream),
        video_codec=stream.codec_context.name,
        pixel_format=stream.codec_context.pix_fmt,
        audio_codec=_audio_codec(container),
        rotation=rotation,
        bit_rate=container.bit_rate or None,
        creation_time=_creation_time(container, stream),
    )


def video_stream(container):
    """Return the container's first moving-picture stream.

    A cover image in an audio file is a one-frame "video" stream marked as
    an attached picture; it does not make the file a video.
    """
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream

    if not container.streams:
        raise MediaError("The video is empty: it has no frames.")
    raise MediaError("The file has no video stream.")


def _audio_codec(container):
    """Return the first audio stream's codec name; None for a silent video."""
    if not container.streams.audio:
        return None
    context = container.streams.audio[0].codec_context
    return context.name if context is not None else "unknown"


def _first_frame(container, stream):
    for frame in container.decode(stream):
        return frame
    raise MediaError("The video is empty: it has no frames.")


def _rotation(frame, stream):
    """Return the clockwise display rotation, from the display matrix."""
    # PyAV reports the display matrix counter-clockwise; files muxed by old
    # tools carry a clockwise "rotate" tag instead.
    degrees = -frame.rotation
    if not degrees and stream.metadata.get("rotate"):
        try:
            degrees = float(stream.metadata["rotate"])
        except ValueError:
            degrees = 0
    return round(degrees / 90) * 90 % 360


def _displayed_size(stream, rotation):
    width, height = stream.codec_context.width, stream.codec_context.height
    aspect = stream.sample_aspect_ratio
    if aspect and aspect != 1:
        width = max(1, round(width * aspect))
    if rotation in (90, 270):
        return height, width
    return width, height


def _frame_rate(stream):
    rate = stream.average_rate or stream.guessed_rate
    return round(float(rate), 3) if rate else None


def _declared_duration(container, stream):
    """Return the length the headers declare, in seconds, or None."""
    if container.duration:
        return container.duration / av.time_base
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return None


def _check_length(container, stream, declared):
    """Return the length in seconds; refuse a cut-off or zero-length file.

    With a declared length only the last few seconds of packets are read;
    without one (a live WebM recording) all of them are, without decoding.
    """
    if declared:
        _seek_near(container, stream, declared - TAIL_S)
    end = _packets_end(container, stream)

    if not declared:
        if end <= 0:
            raise MediaError("The video has zero length.")
        return end

    if declared - end > max(TRUNCATION_SLACK_S, TRUNCATION_SLACK_SHARE * declared):
        raise MediaError(
            "The video file is damaged or truncated (its data ends before the "
            "declared length of %.1f s)." % declared
        )
    return declared


def _seek_near(container, stream, seconds):
    """Seek to the keyframe at or before ``seconds``, if the file allows."""
    target = int(max(0.0, seconds) / stream.time_base) + (stream.start_time or 0)
    try:
        container.seek(target, stream=stream)
    except av.error.FFmpegError:
        # Some files cannot seek (no index, damaged index); reading on from
        # the first frame reaches the same end, only more slowly.
        return


def _packets_end(container, stream):
    """Return, in seconds, where the last of the stream's packets ends."""
    start = stream.start_time or 0
    end = 0
    for packet in container.demux(stream):
        stamp = packet.pts if packet.pts is not None else packet.dts
        if stamp is not None:
            end = max(end, stamp + (packet.duration or 0) - start)
    return float(Fraction(end) * stream.time_base)


def _creation_time(container, stream):
    # Apple's own tag carries the recording's time zone; the generic one is
    # UTC, and is often the time of a later re-encode.
    for tags in (container.metadata, stream.metadata):
        for key in ("com.apple.quicktime.creationdate", "creation_time"):
            if tags.get(key):
                return tags[key]
    return None


def _reason(err):
    """Return PyAV's reason without the file's path."""
    return (err.strerror or err.__class__.__name__).rstrip(".").lower()
