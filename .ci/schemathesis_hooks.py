"""Schemathesis hooks for CI: how to make bodies of media types it has no generator for.

The tus `PATCH /v1/me/uploads/{id}` takes raw bytes as `application/offset+octet-stream`;
any bytes are a schema-valid piece (whether they fit the upload is the server's business).
"""

from hypothesis import strategies as st

import schemathesis

schemathesis.openapi.media_type("application/offset+octet-stream", st.binary(max_size=4096))
