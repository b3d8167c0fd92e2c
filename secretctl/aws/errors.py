"""What both SSM clients (the lean one and boto3's) share with the store above them: AWS error
codes, the failures that are not an AWS answer (no credentials, no region, an endpoint that
does not answer), and their wording. The lowest layer of the AWS code: it imports nothing from
secretctl, so the store imports from here and never the other way round."""

from __future__ import annotations

THROTTLE_CODES = {"ThrottlingException", "Throttling", "TooManyUpdates", "RequestLimitExceeded"}
NO_CREDENTIALS = (
    "no AWS credentials found: set AWS_PROFILE, export keys (e.g. with aws-vault), or run "
    "where the ECS task or instance role provides them"
)
NO_REGION = "no AWS region configured: set AWS_REGION or AWS_DEFAULT_REGION"

# What an endpoint did instead of answering: the end of one line "the SSM endpoint HOST ...",
# worded the same whichever client saw it.
REFUSED = "refused the connection"
UNRESOLVED = "cannot be resolved (check the host name in AWS_ENDPOINT_URL or the region)"
UNCONNECTABLE = "cannot be connected to"
CLOSED = "closed the connection before a complete answer"
MALFORMED = "sent an answer that cannot be read"
UNTRUSTED = "presented a certificate that does not verify (AWS_CA_BUNDLE names a CA to trust)"


def no_connection_within(seconds: float) -> str:
    return f"did not accept a connection within {seconds:g} s"


def no_answer_within(seconds: float) -> str:
    return f"did not answer within {seconds:g} s"


PAST_DEADLINE = "did not answer within the command's --timeout"


def past_deadline(total: float) -> str:
    return f"{PAST_DEADLINE} of {total:g} s"


class SsmCallError(Exception):
    """An error answer from SSM: its code and message, after ``attempts`` attempts, and
    whether it was a server error (HTTP 5xx)."""

    def __init__(self, code: str, message: str, attempts: int, server_error: bool = False) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.attempts = attempts
        self.server_error = server_error


class EndpointUnreachable(Exception):
    """No answer from the endpoint after the attempts allowed. ``sent``: the last attempt's
    request had been sent in full, so a write may have been applied."""

    def __init__(self, endpoint: str, reason: str, attempts: int | None, sent: bool) -> None:
        super().__init__(reason)
        self.endpoint = endpoint
        self.reason = reason
        self.attempts = attempts
        self.sent = sent
