"""The global options (given before the command), shared by the click CLI and the exec fast
path: what they hold, and the store they open. chamber v3's global flags mean the same here.

Stdlib only: this module is on the container-start path."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from secretctl.errors import UsageError

if TYPE_CHECKING:
    from secretctl.aws.place import Place
    from secretctl.store.ssm import SsmStore

RETRY_MODES = ("standard", "adaptive")  # botocore's (and chamber's) retry modes
BACKEND_VARIABLE = "CHAMBER_SECRET_BACKEND"  # chamber's; honoured so no one reads the wrong store


class GlobalOptions:
    """``-r/--retries``, ``--retry-mode``, ``--verbose``, ``--kms-key-alias``, ``-b/--backend``,
    ``--timeout``. None means "not given" (the environment or the default decides)."""

    __slots__ = ("retries", "retry_mode", "verbose", "kms_key_alias", "backend", "timeout")

    def __init__(
        self,
        retries: int | None = None,
        retry_mode: str | None = None,
        verbose: bool = False,
        kms_key_alias: str | None = None,
        backend: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.retries = retries
        self.retry_mode = retry_mode
        self.verbose = verbose
        self.kms_key_alias = kms_key_alias
        self.backend = backend
        self.timeout = timeout

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__slots__}


def check_backend(backend: str | None, environ: Mapping[str, str]) -> None:
    """``-b/--backend`` (or chamber's CHAMBER_SECRET_BACKEND): only ``ssm`` is served."""
    source, value = "--backend", backend
    if value is None:
        source, value = BACKEND_VARIABLE, environ.get(BACKEND_VARIABLE) or None
    if value is not None and value.strip().lower() != "ssm":
        raise UsageError(
            f"backend {value!r} (from {source}) is not available: secretctl stores secrets in "
            "SSM Parameter Store only; use --backend ssm or leave it out"
        )


def open_store(options: GlobalOptions, place: Place | None = None, label: str = "") -> SsmStore:
    """The SSM store these options ask for (``--verbose`` logs its requests on stderr), in
    ``place`` when given (a side of diff or copy, ``label`` in the log)."""
    from secretctl.store.ssm import SsmStore

    check_backend(options.backend, os.environ)
    store = SsmStore.from_environment(
        options.retries,
        options.timeout,
        retry_mode=options.retry_mode,
        kms_key_alias=options.kms_key_alias,
        place=place,
    )
    if options.verbose:
        from secretctl.verbose import log_requests

        log_requests(store, sys.stderr, label)
    return store
