"""The console's request limits, in one table: each route's largest body (enforced while it is
read, shared/http_limits.py) and what its form parser accepts. docs/operations.md lists them."""

from starlette.datastructures import Headers

from services.console.auth.sessions import SESSION_COOKIE
from shared.http_limits import FormLimits, KiB, MiB, RouteLimit
from shared.settings import Settings

DEFAULT_MAX_BODY_BYTES = 256 * KiB  # the JSON APIs and forms without a line in `body_limits`
MULTIPART_ALLOWANCE = 64 * KiB  # a knowledge upload's part headers and boundaries
MAX_UPLOAD_FILES = 20
FORM_FIELD_BYTES = 64 * KiB  # the longest text typed into a form is a 5,000-character answer
FORM_LIMITS = FormLimits(max_fields=50, max_files=0, max_part_size=FORM_FIELD_BYTES)


def body_limits(settings: Settings) -> list[RouteLimit]:
    """A knowledge upload is at most KNOWLEDGE_MAX_UPLOAD_BYTES of files (several files share
    it); its files are spooled to disk by the form parser, not held in memory."""
    upload = settings.limits.knowledge_max_upload_bytes + MULTIPART_ALLOWANCE
    return [
        RouteLimit("POST", "/login", 16 * KiB),
        RouteLimit("POST", "/api/stores/{store_id}/knowledge", upload, credentials_needed=True),
        RouteLimit(
            "PUT", "/api/stores/{store_id}/knowledge/{document_id}", upload, credentials_needed=True
        ),
        # 100 canned replies and 50 templates of up to 1,600 characters each
        RouteLimit("PUT", "/api/stores/{store_id}/reply-library", 1 * MiB),
        # the sandbox conversation's turns come along with each question
        RouteLimit("POST", "/stores/{store_id}/playground/ask", 1 * MiB),
    ]


def carries_credentials(headers: Headers) -> bool:
    """A bearer token or the session cookie: only then may an upload be as large as allowed."""
    return "authorization" in headers or f"{SESSION_COOKIE}=" in headers.get("cookie", "")
