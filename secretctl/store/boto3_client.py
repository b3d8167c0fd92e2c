"""The boto3 SSM client, for what the lean path cannot serve, with secretctl's waits and retry
policy (``aws.timeouts``, ``aws.retries``): botocore's adaptive mode keeps throttling, and a
hook decides everything else, so that a dead endpoint costs what it costs on the lean path and
fails with the same message."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from secretctl.aws.credentials import Credentials
from secretctl.aws.errors import (
    CLOSED,
    MALFORMED,
    NO_REGION,
    REFUSED,
    THROTTLE_CODES,
    UNCONNECTABLE,
    UNRESOLVED,
    UNTRUSTED,
    EndpointUnreachable,
    no_answer_within,
    no_connection_within,
    past_deadline,
)
from secretctl.aws.place import Place, Role
from secretctl.aws.retries import backoff_delay, retry_connection
from secretctl.aws.timeouts import CONNECTION_RETRIES, Timeouts
from secretctl.errors import AwsError
from secretctl.store.ssm_errors import aws_call

T = TypeVar("T")


def connection_failure(err: BaseException, timeouts: Timeouts) -> tuple[str, bool] | None:
    """(reason, sent) for a botocore exception that means no answer came; None for others."""
    import botocore.exceptions as bx

    if isinstance(err, bx.SSLError):
        bundle = os.environ.get("AWS_CA_BUNDLE")
        if bundle:  # an unusable bundle: the lean path's one line (an AwsError)
            from secretctl.aws.http import ssl_context

            ssl_context(bundle)
        text = str(err)
        if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
            return UNTRUSTED, False
        return UNCONNECTABLE, False  # no TLS there, or a handshake that failed otherwise
    if isinstance(err, bx.ConnectTimeoutError):
        return no_connection_within(timeouts.connect), False
    if isinstance(err, bx.EndpointConnectionError):
        text = str(err.kwargs.get("error", "")).lower()
        if "refused" in text:
            return REFUSED, False
        if "name or service not known" in text or "nodename nor servname" in text:
            return UNRESOLVED, False
        return UNCONNECTABLE, False
    if isinstance(err, bx.ReadTimeoutError):
        return no_answer_within(timeouts.read), True
    if isinstance(err, (bx.ConnectionClosedError, bx.ResponseStreamingError)):
        return CLOSED, True
    if isinstance(err, (bx.ConnectionError, bx.HTTPClientError)):
        return UNCONNECTABLE, True  # unknown whether it was sent: assume it was
    if type(err).__module__.startswith("urllib3") or isinstance(err, ValueError):
        return MALFORMED, True  # a body cut short (IncompleteRead) or not JSON
    return None


class _RetryPolicy:
    """botocore's ``needs-retry`` hook, run before botocore's own handler: a delay retries,
    an exception ends the call, None leaves the decision (throttling) to botocore."""

    def __init__(self, retries: int, timeouts: Timeouts) -> None:
        self.retries = retries
        self.timeouts = timeouts

    def __call__(
        self,
        attempts: int,
        operation: Any,
        endpoint: Any,
        response: Any = None,
        caught_exception: BaseException | None = None,
        **_: Any,
    ) -> float | None:
        action = operation.name
        host = urlsplit(endpoint.host).netloc
        if caught_exception is not None:
            failure = connection_failure(caught_exception, self.timeouts)
            if failure is None:
                return None
            reason, sent = failure
            delay = backoff_delay(attempts - 1, throttled=False)
            retry = retry_connection(action, reason, sent, attempts, self.retries)
            if not (retry and self.timeouts.allows(delay)):
                if not self.timeouts.allows(0.0):
                    reason = past_deadline(self.timeouts.total or 0.0)
                raise EndpointUnreachable(host, reason, attempts, sent)
            return delay
        if response is None:
            return None
        http, parsed = response
        code = str(parsed.get("Error", {}).get("Code", ""))
        if http.status_code < 500 and code not in THROTTLE_CODES:
            return None  # an answer
        if attempts > self.retries:
            return None  # botocore's own handler has the same limit
        if code in THROTTLE_CODES:  # botocore's adaptive backoff, at most 2^n s (cap 20 s)
            if not self.timeouts.allows(min(2.0 ** (attempts - 1), 20.0)):
                self._give_up(parsed, action, attempts)
            return None
        delay = backoff_delay(attempts - 1, throttled=False)
        if not self.timeouts.allows(delay):
            self._give_up(parsed, action, attempts)
        return delay

    @staticmethod
    def _give_up(parsed: dict[str, Any], action: str, attempts: int) -> None:
        """End the call with the error answer: the deadline leaves no time for a retry."""
        from botocore.exceptions import ClientError

        parsed.setdefault("ResponseMetadata", {})["RetryAttempts"] = attempts - 1
        raise ClientError(parsed, action)


class _PastDeadline(Exception):
    """The command's deadline passed before the action ended; ``started``: whether it had
    begun (a request it made may have been sent)."""

    def __init__(self, started: bool) -> None:
        super().__init__()
        self.started = started


def _within(seconds: float, action: Callable[[], T]) -> T:
    """``action()``, abandoned after ``seconds`` (_PastDeadline): botocore bounds neither a
    whole call nor a whole answer. An action left behind runs on in a daemon thread."""
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["out"] = action()
        except BaseException as err:  # handed to the caller's thread
            box["err"] = err
        finally:
            done.set()

    threading.Thread(target=run, daemon=True).start()
    if not done.wait(max(0.0, seconds)):
        raise _PastDeadline(started=True)
    if "err" in box:
        raise box["err"]
    return box["out"]  # type: ignore[no-any-return]


def _before_deadline(timeouts: Timeouts, action: Callable[[], T]) -> T:
    """``action()``, abandoned when the command's deadline passes (_PastDeadline), and never
    started once it has."""
    if timeouts.deadline is None:
        return action()
    if not timeouts.allows(0.0):
        raise _PastDeadline(started=False)
    return _within(timeouts.remaining() or 0.0, action)


class _AnswerWithin:
    """botocore's HTTP session, each attempt bounded as on the lean path: a complete answer
    within the connect and read timeouts. botocore's read timeout bounds each socket read,
    so an endpoint that trickles bytes held an attempt for ever. An attempt past the bound is
    a read timeout (sent, no answer) for the retry policy."""

    def __init__(self, session: Any, timeouts: Timeouts) -> None:
        self._session = session
        self._timeouts = timeouts

    def send(self, request: Any) -> Any:
        from botocore.exceptions import ReadTimeoutError

        bound = self._timeouts.connect + self._timeouts.read
        try:
            return _within(bound, lambda: self._session.send(request))
        except _PastDeadline:
            raise ReadTimeoutError(endpoint_url=request.url, error="no complete answer") from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


class _DeadlineClient:
    """The client's calls, each abandoned when the command's deadline passes."""

    def __init__(self, client: Any, timeouts: Timeouts) -> None:
        self._client = client
        self._timeouts = timeouts

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)
        if not callable(method):
            return method

        def call(**params: Any) -> Any:
            try:
                return _before_deadline(self._timeouts, lambda: method(**params))
            except _PastDeadline as past:
                host = urlsplit(self._client.meta.endpoint_url).netloc
                reason = past_deadline(self._timeouts.total or 0.0)
                raise EndpointUnreachable(host, reason, None, past.started) from None

        return call


def make_session(place: Place | None = None, timeouts: Timeouts | None = None) -> Any:
    """A boto3 session from the standard AWS chains (credentials, region, AWS_ENDPOINT_URL);
    for a ``place``, in its region, with its profile, as its role (sts:AssumeRole now). Its
    credentials are fetched now, within ``timeouts``."""
    import boto3
    import botocore.session
    from botocore.config import Config

    place = place or Place()
    timeouts = timeouts or Timeouts()
    total = timeouts.total or timeouts.read
    # the clients botocore makes to get credentials (STS for a web identity or a role) wait
    # no longer than secretctl's own, and retry a failed connection as often
    core = botocore.session.get_session()
    core.set_default_client_config(
        Config(
            retries={"mode": "standard", "total_max_attempts": 1 + CONNECTION_RETRIES},
            connect_timeout=min(timeouts.connect, total),
            read_timeout=min(timeouts.read, total),
        )
    )
    with aws_call("CreateClient", "the SSM endpoint"):
        # botocore reads only AWS_DEFAULT_REGION; AWS_REGION (what other SDKs and the lean path
        # read first) takes precedence here too
        region = place.region or os.environ.get("AWS_REGION") or None
        session = boto3.session.Session(
            botocore_session=core, profile_name=place.profile, region_name=region
        )
        if not session.region_name:
            raise AwsError(NO_REGION)
        _fetch_credentials(session, timeouts)
        if place.role is not None:
            session = _as_role(session, place.role, timeouts)
    return session


def _sts_config(timeouts: Timeouts) -> Any:
    from botocore.config import Config

    return Config(
        connect_timeout=timeouts.connect, read_timeout=timeouts.read, retries={"max_attempts": 1}
    )


def _temporary(
    call: Callable[[], dict[str, Any]], timeouts: Timeouts, refused: Callable[[str], AwsError]
) -> dict[str, Any]:
    """The Credentials of an STS answer (``call()``); a failure as ``refused(reason)``, the
    lean path's line."""
    import botocore.exceptions as bx

    from secretctl.aws.sts import answer_reason

    try:
        return call()["Credentials"]  # type: ignore[no-any-return]
    except bx.ClientError as err:
        error = err.response.get("Error", {})
        message = " ".join(str(error.get("Message", "")).split())
        raise refused(answer_reason(str(error.get("Code", "")), message)) from None
    except bx.BotoCoreError as err:
        failure = connection_failure(err, timeouts)
        if failure is None:
            raise
        host = urlsplit(str(getattr(err, "kwargs", {}).get("endpoint_url", "?"))).netloc
        raise refused(f"the STS endpoint {host} {failure[0]}") from None


def _as_role(session: Any, role: Role, timeouts: Timeouts) -> Any:
    """A session with ``role``'s credentials, assumed with ``session``'s (or with the role's
    MFA session's)."""
    import boto3

    from secretctl.aws.sts import role_refused, session_name

    args = {"RoleArn": role.arn, "RoleSessionName": session_name()}
    if role.sends_code:
        args.update(SerialNumber=role.mfa_serial or "", TokenCode=role.mfa_code or "")
    if role.mfa_session is not None:
        session = boto3.session.Session(
            aws_access_key_id=role.mfa_session.access_key,
            aws_secret_access_key=role.mfa_session.secret_key,
            aws_session_token=role.mfa_session.token,
            region_name=session.region_name,
        )
    sts = session.client("sts", config=_sts_config(timeouts))
    out = _temporary(
        lambda: sts.assume_role(**args), timeouts, lambda reason: role_refused(role, reason)
    )
    return boto3.session.Session(
        aws_access_key_id=out["AccessKeyId"],
        aws_secret_access_key=out["SecretAccessKey"],
        aws_session_token=out["SessionToken"],
        region_name=session.region_name,
    )


def mfa_session(place: Place, serial: str, code: str, timeouts: Timeouts) -> Credentials:
    """sts:GetSessionToken with the MFA device and code, as the place's profile (or the
    current credentials): the lean path's ``sts.session_token`` through boto3."""
    from secretctl.aws.sts import mfa_session_refused

    session = make_session(place._replace(role=None), timeouts)
    sts = session.client("sts", config=_sts_config(timeouts))
    out = _temporary(
        lambda: sts.get_session_token(SerialNumber=serial, TokenCode=code),
        timeouts,
        lambda reason: mfa_session_refused(serial, reason),
    )
    expiration = out.get("Expiration")
    return Credentials(
        out["AccessKeyId"],
        out["SecretAccessKey"],
        out["SessionToken"],
        expiration.timestamp() if expiration is not None else None,
    )


def caller_account(session: Any, place: Place | None = None) -> str:
    """The account the session acts in: its role's, else sts:GetCallerIdentity."""
    if place is not None and place.role is not None:
        return place.role.account
    with aws_call("GetCallerIdentity", "the caller"):
        return str(session.client("sts").get_caller_identity()["Account"])


def _fetch_credentials(session: Any, timeouts: Timeouts) -> None:
    """The session's credentials, fetched within the deadline; a failure in one line."""
    from secretctl.store.boto3_credentials import (
        credential_source,
        credentials_error,
        fetch_credentials,
    )

    try:
        _before_deadline(timeouts, lambda: fetch_credentials(session))
    except _PastDeadline:
        reason = past_deadline(timeouts.total or 0.0)
        raise AwsError(credential_source(os.environ) + reason) from None
    except Exception as err:
        failure = connection_failure(err, timeouts) if _is_botocore(err) else None
        error = credentials_error(err, failure[0] if failure else None)
        if error is None:
            raise
        raise error from None


def _is_botocore(err: BaseException) -> bool:
    return type(err).__module__.startswith("botocore")


def make_client(
    retries: int,
    timeouts: Timeouts | None = None,
    retry_mode: str = "adaptive",
    session: Any = None,
) -> Any:
    """An SSM client of ``session`` (default: ``make_session()``), with botocore's
    ``retry_mode`` (standard or adaptive) for throttling."""
    from botocore.config import Config

    from secretctl import __version__

    timeouts = timeouts or Timeouts()
    total = timeouts.total or timeouts.read
    config = Config(
        retries={"mode": retry_mode, "max_attempts": retries},  # botocore: retries, not total
        connect_timeout=min(timeouts.connect, total),
        read_timeout=min(timeouts.read, total),
        user_agent_extra=f"secretctl/{__version__}",
    )
    session = session or make_session(timeouts=timeouts)
    with aws_call("CreateClient", "the SSM endpoint"):
        client = session.client("ssm", config=config)
    client.meta.events.register_first("needs-retry.ssm", _RetryPolicy(retries, timeouts))
    endpoint = getattr(client, "_endpoint", None)  # botocore's; no public way to bound this
    if endpoint is not None and hasattr(endpoint, "http_session"):
        endpoint.http_session = _AnswerWithin(endpoint.http_session, timeouts)
    return client if timeouts.deadline is None else _DeadlineClient(client, timeouts)
