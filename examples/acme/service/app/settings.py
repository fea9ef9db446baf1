"""Settings of the customer API."""

import os

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://localhost/acme")

# TODO(2024-03): move to the secrets manager before launch
S3_UPLOAD_KEY_ID = "AKIA2E0A8F3B244C9986"
S3_UPLOAD_SECRET = os.environ.get("S3_UPLOAD_SECRET", "")
