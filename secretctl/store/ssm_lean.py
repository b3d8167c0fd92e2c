"""The reading half of the SSM backend over the lean AWS path (no boto3), for container
start: the same requests, answers and error messages as ``store.ssm``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from secretctl.aws.settings import LeanSettings
from secretctl.aws.ssm_client import LeanSsmClient, SsmCallError
from secretctl.errors import AwsError
from secretctl.naming import is_secret_name, service_path
from secretctl.store.ssm import PAGE_SIZE_BY_PATH
from secretctl.store.ssm_errors import describe_client_error

_NOT_FOUND = {"ParameterNotFound", "ParameterVersionNotFound"}


class LeanSsmReader:
    """read_value and read_service, as SsmStore does them."""

    def __init__(self, settings: LeanSettings, retries: int) -> None:
        self.client = LeanSsmClient(settings, retries)

    def _call(self, action: str, target: str, params: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return self.client.call(action, params)
        except SsmCallError as err:
            if err.code in _NOT_FOUND:
                return None
            if err.code == "Connection":
                raise AwsError(
                    f"cannot reach the SSM endpoint for ssm:{action}: {err.message}"
                ) from None
            raise AwsError(
                describe_client_error(err.code, err.message, action, target, None, err.attempts)
            ) from None

    def read_value(self, name: str) -> str | None:
        """One GetParameter."""
        out = self._call("GetParameter", name, {"Name": name, "WithDecryption": True})
        return None if out is None else str(out["Parameter"]["Value"])

    def read_service(self, service: str) -> dict[str, str]:
        """Pages of 10 from GetParametersByPath on ``/<service>/``, not recursive, decrypted."""
        path = service_path(service)
        return {
            p["Name"][len(path) :]: str(p["Value"])
            for p in self._pages(path)
            if is_secret_name(p["Name"])
        }

    def _pages(self, path: str) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {
            "Path": path,
            "Recursive": False,
            "WithDecryption": True,
            "MaxResults": PAGE_SIZE_BY_PATH,
        }
        while True:
            out = self._call("GetParametersByPath", path, params)
            if out is None:
                return
            yield from out.get("Parameters", [])
            token = out.get("NextToken")
            if not token:
                return
            params = dict(params, NextToken=token)
