"""The SSM Parameter Store backend, storage-compatible with chamber v3.

Every secret is a SecureString ``/<service>/<key>`` whose Description holds chamber's own
version counter ("1", "2", ...). Request counts are part of the contract: see each method.
The client is boto3's, or the lean path's ``aws.ssm_client.LeanSsmClient``, which takes the
same calls and answers with the same shapes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from secretctl.errors import AwsError
from secretctl.naming import is_secret_name, service_path

if TYPE_CHECKING:  # the records load with the commands that return them, not on exec's path
    from secretctl.aws.credentials import Credentials
    from secretctl.aws.place import Place
    from secretctl.aws.settings import LeanSettings
    from secretctl.store.base import Change, Current, SecretMeta
from secretctl.store.ssm_errors import aws_call, error_code

PAGE_SIZE_BY_PATH = 10  # the most GetParametersByPath returns per page
PAGE_SIZE_DESCRIBE = 50  # the most DescribeParameters and GetParameterHistory return
NAMES_PER_FILTER = 50  # the most values one DescribeParameters Name filter takes
DELETE_BATCH = 10  # the most names one DeleteParameters takes
DEFAULT_RETRIES = 10  # retries after the first attempt, as chamber's default


def retries_from_env(environ: Mapping[str, str]) -> int:
    """Retries per request from SECRETCTL_RETRIES (default 10)."""
    from secretctl.errors import UsageError

    raw = environ.get("SECRETCTL_RETRIES", "")
    if not raw:
        return DEFAULT_RETRIES
    if not (raw.isascii() and raw.isdigit()):  # not '²', which int() refuses
        raise UsageError(f"SECRETCTL_RETRIES must be a whole number (0 or more), not {raw!r}")
    return int(raw)


def _version(description: str | None) -> int:
    """chamber's counter from a Description; 0 when absent or not a number (as chamber does)."""
    try:
        return int(description or "")
    except ValueError:
        return 0


def _meta(param: Mapping[str, Any], value: str | None = None) -> SecretMeta:
    from secretctl.store.base import SecretMeta

    return SecretMeta(
        name=param["Name"],
        version=_version(param.get("Description")),
        last_modified=param["LastModifiedDate"],
        user=param.get("LastModifiedUser", ""),
        value=value,
    )


def _lean_settings(place: Place | None, retry_mode: str | None) -> LeanSettings | None:
    """The lean path's settings for ``place``, or None when boto3 serves it (a profile, a
    ``retry_mode``, ... : ``aws.settings``)."""
    from secretctl.aws.settings import lean_settings

    environ = place.environ(os.environ) if place else os.environ
    return None if retry_mode else lean_settings(environ)


def mfa_session(
    place: Place, serial: str, code: str, timeout: float | None, retry_mode: str | None
) -> Credentials:
    """An MFA session (sts:GetSessionToken with ``serial`` and ``code``) as ``place``'s
    credentials (its profile's, else the current ones), through the path its store takes."""
    from secretctl.aws.settings import check_endpoint_urls
    from secretctl.aws.timeouts import Timeouts

    check_endpoint_urls(os.environ)
    timeouts = Timeouts.from_environ(os.environ, timeout)
    settings = _lean_settings(place, retry_mode)
    if settings is None:
        from secretctl.store.boto3_client import mfa_session as boto3_mfa_session

        return boto3_mfa_session(place, serial, code, timeouts)
    from secretctl.aws.credentials import resolve_credentials
    from secretctl.aws.sts import session_token

    base = resolve_credentials(os.environ, settings.sts_endpoint, timeouts)
    return session_token(settings, base, serial, code, timeouts)


class SsmStore:
    """Secrets in SSM Parameter Store through one client (either kind is thread-safe), in one
    account and region."""

    def __init__(self, client: Any, kms_key: str, account: Callable[[], str] | None = None) -> None:
        self.client = client
        self.kms_key = kms_key
        self._account = account

    @classmethod
    def from_environment(
        cls,
        retries: int | None = None,
        timeout: float | None = None,
        *,
        retry_mode: str | None = None,
        kms_key_alias: str | None = None,
        place: Place | None = None,
    ) -> SsmStore:
        """The store over the lean AWS path where it serves this environment exactly as boto3
        would (``aws.settings``), else over a boto3 client. ``timeout`` (else
        SECRETCTL_TIMEOUT) bounds the whole command, from now. A ``retry_mode`` (botocore's
        standard or adaptive) is botocore's to implement: it goes through boto3. A ``place``
        (a side of diff or copy) sets the region, profile and role."""
        from secretctl.aws.settings import check_endpoint_urls
        from secretctl.aws.timeouts import Timeouts
        from secretctl.kms import resolve_kms_key

        check_endpoint_urls(os.environ)
        attempts = retries if retries is not None else retries_from_env(os.environ)
        timeouts = Timeouts.from_environ(os.environ, timeout)
        settings = _lean_settings(place, retry_mode)
        role = place.role if place else None
        if settings is None:
            from secretctl.store.boto3_client import caller_account, make_client, make_session

            session = make_session(place, timeouts)
            client = make_client(attempts, timeouts, retry_mode or "adaptive", session)
            account = lambda: caller_account(session, place)  # noqa: E731
        else:
            from secretctl.aws.ssm_client import LeanSsmClient

            client = LeanSsmClient(settings, attempts, timeouts, role)
            account = client.caller_account
        return cls(client, resolve_kms_key(os.environ, kms_key_alias), account)

    def account(self) -> str:
        """The account this store acts in (a role's from its ARN, else one
        sts:GetCallerIdentity)."""
        if self._account is None:
            raise AwsError("the store's account is not known")
        return self._account()

    def _not_found(self, err: Exception) -> bool:
        return error_code(err) in {"ParameterNotFound", "ParameterVersionNotFound"}

    def read_value(self, name: str) -> str | None:
        """One GetParameter."""
        with aws_call("GetParameter", name, lambda: self._key_of(name)):
            try:
                out = self.client.get_parameter(Name=name, WithDecryption=True)
            except Exception as err:
                if self._not_found(err):
                    return None
                raise
        return str(out["Parameter"]["Value"])

    def read(self, name: str) -> SecretMeta | None:
        """GetParameter, then one DescribeParameters filtered on the exact name: two requests."""
        value = self.read_value(name)
        if value is None:
            return None
        found = self._describe([{"Key": "Name", "Option": "Equals", "Values": [name]}])
        for param in found:
            if param["Name"] == name:
                return _meta(param, value)
        return None

    def current_versions(self, names: list[str]) -> dict[str, Current]:
        """DescribeParameters filtered on up to 50 exact names per request."""
        from secretctl.store.base import Current

        versions: dict[str, Current] = {}
        for start in range(0, len(names), NAMES_PER_FILTER):
            batch = names[start : start + NAMES_PER_FILTER]
            for param in self._describe([{"Key": "Name", "Option": "Equals", "Values": batch}]):
                versions[param["Name"]] = Current(
                    _version(param.get("Description")), int(param.get("Version", 0))
                )
        return versions

    def write(
        self,
        name: str,
        value: str,
        version: int,
        tier: str | None,
        tags: dict[str, str] | None = None,
    ) -> int:
        """One PutParameter: SecureString under our KMS key, Description = chamber's counter.
        Returns SSM's version number for it. With ``tags``, the secret must be new: SSM takes
        tags only without Overwrite, so it is created with them in the same request (chamber
        makes a second request for them), and a secret that another writer created in the
        meantime is an error rather than a value stored without its tags."""
        args: dict[str, Any] = {
            "Name": name,
            "Value": value,
            "Type": "SecureString",
            "KeyId": self.kms_key,
            "Overwrite": not tags,
            "Description": str(version),
        }
        if tier:
            args["Tier"] = tier
        if tags:
            args["Tags"] = [{"Key": k, "Value": v} for k, v in sorted(tags.items())]
        with aws_call("PutParameter", name, self.kms_key):
            try:
                out = self.client.put_parameter(**args)
            except Exception as err:
                if tags and error_code(err) == "ParameterAlreadyExists":
                    from secretctl.errors import AwsError

                    raise AwsError(
                        f"{name} was created by another writer just now, and tags go only on "
                        "new secrets: nothing was written; set its tags with `secretctl tag "
                        "write`"
                    ) from None
                raise
        return int(out.get("Version", 0))

    def read_tags(self, name: str) -> dict[str, str] | None:
        """One ListTagsForResource; None when the secret does not exist."""
        with aws_call("ListTagsForResource", name):
            try:
                out = self.client.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)
            except Exception as err:
                if error_code(err) == "InvalidResourceId":
                    return None
                raise
        return {str(t["Key"]): str(t["Value"]) for t in out.get("TagList", [])}

    def add_tags(self, name: str, tags: dict[str, str]) -> bool:
        """One AddTagsToResource (a key already there takes the new value); False when the
        secret does not exist."""
        pairs = [{"Key": k, "Value": v} for k, v in sorted(tags.items())]
        return self._tag_call("add_tags_to_resource", "AddTagsToResource", name, Tags=pairs)

    def remove_tags(self, name: str, keys: list[str]) -> bool:
        """One RemoveTagsFromResource (a key not there is no error); False when the secret
        does not exist."""
        return self._tag_call(
            "remove_tags_from_resource", "RemoveTagsFromResource", name, TagKeys=sorted(keys)
        )

    def _tag_call(self, method: str, action: str, name: str, **args: Any) -> bool:
        with aws_call(action, name):
            try:
                getattr(self.client, method)(ResourceType="Parameter", ResourceId=name, **args)
            except Exception as err:
                if error_code(err) == "InvalidResourceId":
                    return False
                raise
        return True

    def delete(self, name: str) -> bool:
        """One DeleteParameter."""
        with aws_call("DeleteParameter", name):
            try:
                self.client.delete_parameter(Name=name)
            except Exception as err:
                if self._not_found(err):
                    return False
                raise
        return True

    def delete_batch(self, names: list[str]) -> list[str]:
        """One DeleteParameters of at most DELETE_BATCH names; returns those SSM did not find
        (already gone)."""
        target = names[0] + (f" and {len(names) - 1} more" if len(names) > 1 else "")
        with aws_call("DeleteParameters", target):
            out = self.client.delete_parameters(Names=names)
        return [str(n) for n in out.get("InvalidParameters", [])]

    def list(self, service: str) -> list[SecretMeta]:
        """Pages of DescribeParameters on the service's path, one level deep."""
        path = service_path(service).rstrip("/")
        params = self._describe([{"Key": "Path", "Option": "OneLevel", "Values": [path]}])
        return [_meta(p) for p in params if is_secret_name(p["Name"])]

    def read_service(
        self, service: str, on_read: Callable[[int], None] | None = None
    ) -> dict[str, str]:
        """Pages of 10 from GetParametersByPath on ``/<service>/``, not recursive, decrypted.
        ``on_read(1)`` after each secret read (for progress)."""
        path = service_path(service)
        values: dict[str, str] = {}
        for param in self._by_path(path, recursive=False):
            if is_secret_name(param["Name"]):
                values[param["Name"][len(path) :]] = str(param["Value"])
                if on_read is not None:
                    on_read(1)
        return values

    def list_names(self, prefix: str = "") -> list[str]:
        """Pages of DescribeParameters, filtered on a name prefix when one is given."""
        filters = [{"Key": "Name", "Option": "BeginsWith", "Values": [prefix]}] if prefix else []
        return [p["Name"] for p in self._describe(filters)]

    def read_all(self) -> dict[str, str]:
        """Pages of GetParametersByPath on ``/``, recursive, decrypted."""
        return {p["Name"]: str(p["Value"]) for p in self._by_path("/", recursive=True)}

    def history(self, name: str, with_values: bool = False) -> list[Change]:
        """Pages of GetParameterHistory, decrypted only ``with_values``."""
        from secretctl.store.base import Change

        changes = []
        for param in self._history_pages(name, decrypt=with_values):
            counter = _version(param.get("Description"))
            changes.append(
                Change(
                    event="Created" if counter == 1 else "Updated",
                    version=counter,
                    last_modified=param["LastModifiedDate"],
                    user=param.get("LastModifiedUser", ""),
                    counter=counter,
                    ssm_version=int(param.get("Version", 0)),
                    value=str(param["Value"]) if with_values else None,
                )
            )
        return changes

    def _key_of(self, name: str) -> str | None:
        """The KMS key a parameter is encrypted with, to name it in an error (one request,
        made only on a KMS error)."""
        found = self._describe([{"Key": "Name", "Option": "Equals", "Values": [name]}])
        return next((str(p["KeyId"]) for p in found if p.get("KeyId")), None)

    def _keys_under(self, path: str) -> str | None:
        """The KMS keys of a path's parameters, to name them in an error."""
        found = self._describe([{"Key": "Path", "Option": "OneLevel", "Values": [path]}])
        return ", ".join(sorted({str(p["KeyId"]) for p in found if p.get("KeyId")})) or None

    def _describe(self, filters: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        args: dict[str, Any] = {"MaxResults": PAGE_SIZE_DESCRIBE}
        if filters:
            args["ParameterFilters"] = filters
        target = str(filters[0]["Values"][0]) if filters else "/"
        return self._pages("describe_parameters", "DescribeParameters", target, args)

    def _by_path(self, path: str, recursive: bool) -> Iterator[dict[str, Any]]:
        args = {
            "Path": path,
            "Recursive": recursive,
            "WithDecryption": True,
            "MaxResults": PAGE_SIZE_BY_PATH,
        }
        return self._pages("get_parameters_by_path", "GetParametersByPath", path, args)

    def _history_pages(self, name: str, decrypt: bool) -> Iterator[dict[str, Any]]:
        args = {"Name": name, "WithDecryption": decrypt, "MaxResults": PAGE_SIZE_DESCRIBE}
        return self._pages("get_parameter_history", "GetParameterHistory", name, args)

    def _pages(
        self, method: str, action: str, target: str, args: dict[str, Any]
    ) -> Iterator[dict[str, Any]]:
        """Follow NextToken; a ParameterNotFound on the first page yields nothing."""
        call = getattr(self.client, method)
        kms_key: Any = None  # named in a KMS error, looked up only then
        if method == "get_parameters_by_path" and target != "/":
            kms_key = lambda: self._keys_under(target.rstrip("/"))  # noqa: E731
        elif method == "get_parameter_history":
            kms_key = lambda: self._key_of(target)  # noqa: E731
        token: str | None = None
        while True:
            page_args = dict(args, NextToken=token) if token else args
            with aws_call(action, target, kms_key):
                try:
                    out = call(**page_args)
                except Exception as err:
                    if self._not_found(err):
                        return
                    raise
            yield from out.get("Parameters", [])
            token = out.get("NextToken")
            if not token:
                return
