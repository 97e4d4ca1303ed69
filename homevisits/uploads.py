"""A cap on the size of any multipart request, checked before a byte of it is read.

Django streams an uploaded file to a temporary file on disk whatever the view later thinks of it,
and it parses the body of any multipart POST, to any address (the sign-in page included, and before
the CSRF check, which reads the form). So a request larger than REQUEST_UPLOAD_MAX_BYTES is refused
here with 400, from its Content-Length (Django never reads past it), and nothing reaches the disk.
The only upload the site takes, the MIS export, is held to its own smaller limit with a message
beside the field (misimport.reading)."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler


class BoundedRequestUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: refuses the whole request when it is too large, otherwise
    passes every chunk on to the next handler untouched."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        limit = settings.REQUEST_UPLOAD_MAX_BYTES
        if content_length is None or content_length > limit:
            raise RequestDataTooBig(f"A multipart request of {content_length} bytes, above {limit}.")
        return None

    def receive_data_chunk(self, raw_data, start):
        return raw_data

    def file_complete(self, file_size):
        return None
