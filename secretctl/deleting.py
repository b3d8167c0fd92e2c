"""Delete many secrets of one service (``delete --all``, ``copy --prune``): DeleteParameters
in batches of 10, one batch after another. A batch that fails stops the command, which says
which keys remain."""

from __future__ import annotations

from collections.abc import Callable

from secretctl.errors import EndpointFailure, SecretctlError
from secretctl.loading import first_service
from secretctl.naming import parameter_name, service_lookup_names, split_name
from secretctl.store.base import Store
from secretctl.store.ssm import DELETE_BATCH


class DeleteIncomplete(SecretctlError):
    """Some batches were not deleted; the message names the keys that remain."""


def service_keys(
    store: Store, service: str, *, preserve_case: bool = False
) -> tuple[str, list[str]]:
    """The service as found (``naming.service_lookup_names``) and its keys, sorted: pages of
    DescribeParameters (50 a page, no decryption)."""
    found, secrets = first_service(service_lookup_names(service, preserve_case), store.list)
    return found, sorted(split_name(s.name)[1] for s in secrets)


def delete_keys(
    store: Store,
    service: str,
    keys: list[str],
    *,
    command: str,
    on_deleted: Callable[[int], None] | None = None,
) -> int:
    """Delete ``keys`` of ``service``, DELETE_BATCH a request; returns how many. On a failure,
    DeleteIncomplete names the keys that remain and those whose batch got no answer.
    ``on_deleted(n)`` after each batch (progress)."""
    deleted = 0
    for start in range(0, len(keys), DELETE_BATCH):
        batch = keys[start : start + DELETE_BATCH]
        try:
            store.delete_batch([parameter_name(service, key) for key in batch])
        except SecretctlError as err:
            unknown = batch if isinstance(err, EndpointFailure) and err.maybe_applied else []
            remain = [key for key in keys[start:] if key not in unknown]
            message = f"{command} incomplete: {deleted} deleted, {len(remain)} remain"
            message += f": {', '.join(remain)}" if remain else ""
            if unknown:
                message += (
                    f"; {len(unknown)} may or may not be deleted (sent, no answer): "
                    + ", ".join(unknown)
                )
            raise DeleteIncomplete(
                f"{message}; first error: {err}; run the same command again to delete what remains"
            ) from None
        deleted += len(batch)
        if on_deleted is not None:
            on_deleted(len(batch))
    return deleted
