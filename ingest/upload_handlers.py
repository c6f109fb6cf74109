"""Upload handling: stream every file to disk and bound its size."""

from django.conf import settings
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler
from django.template.defaultfilters import filesizeformat


class BoundedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Write each uploaded file to a temporary file, never to memory, and
    drop it once it passes DAM_MAX_UPLOAD_BYTES.

    The client's declared sizes are not trusted: bytes are counted as they
    arrive. A dropped file is named in ``request.upload_refusals`` so that
    the view can say why it is missing.
    """

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.DAM_MAX_UPLOAD_BYTES:
            self.file.close()
            refusals = getattr(self.request, "upload_refusals", {})
            refusals[self.file_name] = "File is larger than the %s limit." % (
                filesizeformat(settings.DAM_MAX_UPLOAD_BYTES)
            )
            self.request.upload_refusals = refusals
            raise SkipFile()

        return super().receive_data_chunk(raw_data, start)


# Browsers escape these in the multipart file name (WHATWG HTML, "multipart
# form-data encoding"); Django hands the name over as sent.
BROWSER_ESCAPES = {"%22": '"', "%0D": " ", "%0A": " "}


def client_file_name(name):
    """The file name the user sees on their machine, for display only."""
    for escaped, character in BROWSER_ESCAPES.items():
        name = name.replace(escaped, character)
    return name.strip() or "unnamed"
