"""API errors raised inside pansim and rendered as PAN-OS error envelopes."""

# Response codes from the PAN-OS XML API error-code table.
UNKNOWN_COMMAND = 1
BAD_XPATH = 6
OBJECT_NOT_PRESENT = 7
OBJECT_NOT_UNIQUE = 8
REFERENCE_COUNT_NOT_ZERO = 10
INVALID_OBJECT = 12
OBJECT_NOT_FOUND = 13
OPERATION_NOT_POSSIBLE = 14
OPERATION_DENIED = 15
INVALID_COMMAND = 17
MALFORMED_COMMAND = 18
SUCCESS_RESULT = 19
SUCCESS_COMMAND = 20
INTERNAL_ERROR = 21
BAD_REQUEST = 400
FORBIDDEN = 403


class ApiError(Exception):
    """A request failure that becomes ``<response status="error">``.

    ``lines`` are the message lines of the envelope. ``http_status`` stays 200
    except for authentication failures (403). pan-os-python 1.13 keeps disabled
    code that compares the text 'Illegal value for parameter "type" [version].',
    which it could only read from an HTTP 200 reply.

    NOTE: HTTP 200 for code-400 errors is inferred from that code, not observed.
    """

    def __init__(self, code, lines, http_status=200):
        if isinstance(lines, str):
            lines = [lines]
        super().__init__("\n".join(lines))
        self.code = code
        self.lines = list(lines)
        self.http_status = http_status


class ConfigError(ApiError):
    """An error from a configuration action (set, edit, delete and the others)."""
