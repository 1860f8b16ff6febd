"""Exceptions raised by this client.

APIError
├── APIConnectionError              the request did not get a response
│   └── APITimeoutError             ... because a timeout expired
├── APIStatusError                  the server answered with a non-2xx status (.status_code, .headers, .body, .response)
│   ├── BadRequestError             400
│   ├── AuthenticationError         401
│   ├── PermissionDeniedError       403
│   ├── NotFoundError               404
│   ├── ConflictError               409
│   ├── UnprocessableEntityError    422
│   ├── RateLimitError              429
│   └── InternalServerError         5xx
├── ResponseValidationError         a 2xx body that does not match the documented schema (.body keeps it raw)
├── ResponseTooLargeError           a body larger than max_response_bytes (decoded); reading stopped there
├── DownloadIntegrityError          a downloaded file's size or MD5 is not the expected one (nothing is kept)
├── PaginationError                 a next page the client will not ask for (a repeated cursor, a foreign link)
├── InvalidWebhookSignatureError    a webhook whose signature is missing, wrong or stale
├── InvalidWebhookPayloadError      a webhook whose payload matches no event's schema
└── MissingCredentialsError         an operation (or a webhook check) needs a credential the client was not given
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = [
    "APIError",
    "APIConnectionError",
    "APITimeoutError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "UnprocessableEntityError",
    "RateLimitError",
    "InternalServerError",
    "ResponseValidationError",
    "ResponseTooLargeError",
    "DownloadIntegrityError",
    "MissingCredentialsError",
    "PaginationError",
    "InvalidWebhookSignatureError",
    "InvalidWebhookPayloadError",
]


class APIError(Exception):
    """Base of every error this client raises."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class APIConnectionError(APIError):
    """No response: the connection failed, was reset, or the body could not be read."""

    def __init__(self, message: str = "Connection error.") -> None:
        super().__init__(message)


class APITimeoutError(APIConnectionError):
    """A connect, read or total timeout expired."""

    def __init__(self, message: str = "Request timed out.") -> None:
        super().__init__(message)


class MissingCredentialsError(APIError):
    """The operation needs credentials that were neither passed to the client nor found in the environment."""


class APIStatusError(APIError):
    """The server answered with a status that is not 2xx.

    ``body`` is the documented error model when the response parses into it, else the decoded JSON, else the
    raw text (HTML from a proxy, an empty string): what the server sent is never dropped.
    """

    status_code: int
    #: Seconds the server asked to wait (``Retry-After`` or ``retry-after-ms``), when it said.
    retry_after: float | None = None
    #: The server's id for the request (``x-request-id``, or the header the API names), when it sent one.
    request_id: str | None = None

    def __init__(self, message: str, *, response: httpx.Response, body: Any) -> None:
        super().__init__(message)
        self.response = response
        self.status_code = response.status_code
        self.headers = response.headers
        self.body = body

    @property
    def code(self) -> str | None:
        """A machine-readable error code when the body carries one (``error.code`` or ``code``)."""
        for path in (("error", "code"), ("code",)):
            node: Any = self.body
            for key in path:
                node = node.get(key) if isinstance(node, dict) else getattr(node, key, None)
            if isinstance(node, str):
                return node
            value = getattr(node, "value", None)
            if isinstance(value, str):
                return value
        return None


class BadRequestError(APIStatusError):
    status_code = 400


class AuthenticationError(APIStatusError):
    status_code = 401


class PermissionDeniedError(APIStatusError):
    status_code = 403


class NotFoundError(APIStatusError):
    status_code = 404


class ConflictError(APIStatusError):
    status_code = 409


class UnprocessableEntityError(APIStatusError):
    status_code = 422


class RateLimitError(APIStatusError):
    status_code = 429


class InternalServerError(APIStatusError):
    pass


class ResponseValidationError(APIError):
    """A successful response whose body does not match the documented schema, or is not JSON at all.

    ``body`` is the raw text as received; ``errors`` lists pydantic's findings (``loc`` names the field).
    """

    def __init__(
        self, message: str, *, response: httpx.Response, body: str, errors: list[Any] | None = None
    ) -> None:
        super().__init__(message)
        self.response = response
        self.status_code = response.status_code
        self.body = body
        self.errors = errors or []


class ResponseTooLargeError(APIError):
    """A response whose body is larger than ``max_response_bytes`` (counted after gzip or deflate
    decoding): reading stopped at the limit and nothing of the body was kept. Raise the limit on the
    client, with ``with_options``, or on the call (``None`` for none); a download with ``to=`` is not
    limited. ``limit`` is the limit that applied; ``response`` has the status and headers."""

    def __init__(self, message: str, *, response: httpx.Response, limit: int) -> None:
        super().__init__(message)
        self.response = response
        self.status_code = response.status_code
        self.limit = limit


class DownloadIntegrityError(APIError):
    """A download's size or MD5 does not match what was expected; the partial file was removed."""

    def __init__(self, message: str, *, expected: str, actual: str) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status: int) -> type[APIStatusError]:
    if status >= 500:
        return InternalServerError
    return _BY_STATUS.get(status, APIStatusError)


class PaginationError(APIError):
    """The next page cannot be asked for: the server gave a cursor or link it had given before (asking
    again would loop), a link off the API's origin, or ``get_next_page()`` was called on the last page.
    """


class InvalidWebhookSignatureError(APIError):
    """A webhook whose signature header is missing, does not match its body, or whose timestamp is
    further from now than the scheme's tolerance; or one given a secret that no scheme the API documents
    can check it with: do not act on it."""


class InvalidWebhookPayloadError(APIError):
    """A webhook whose signature is good but whose payload matches no event's schema (``.errors``)."""

    def __init__(self, message: str, *, errors: list[Any] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []
