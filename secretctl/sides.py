"""The two sides of ``diff`` and ``copy``: a service in a place (the current account and
region, or another profile, role or region), each with its own store and credentials.

Each side's region: its ``--*-region`` if given, else its profile's region when it names a
profile, else the current region. SRC and DST naming the same service in the same account and
region is a usage error. Deciding that costs no request when the sides' places tell: another
region, or the same profile and role (hence the same credentials); an account is known from a
role ARN (``--*-role``, or the ``role_arn`` of a profile). Only when the service and region are
the same and an account is not known does that side cost one sts:GetCallerIdentity."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from secretctl.aws.place import Place, Role, role_account
from secretctl.errors import UsageError
from secretctl.naming import normalize_service

if TYPE_CHECKING:
    from secretctl.global_options import GlobalOptions
    from secretctl.store.ssm import SsmStore

T = TypeVar("T")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$", re.ASCII)


@dataclass(frozen=True)
class Side:
    """``label`` is SRC or DST; ``profile``, ``role`` and ``region`` are what the options gave
    (None: the current one)."""

    label: str
    service: str
    profile: str | None = None
    role: Role | None = None
    region: str | None = None


def check_region(region: str | None) -> str | None:
    """A region option as given (``eu-west-1``), or a usage error."""
    if region is not None and not _REGION.fullmatch(region):
        raise UsageError(f"invalid region {region!r}: expected a region name such as eu-west-1")
    return region


def profile_config(profile: str) -> Mapping[str, str]:
    """A profile's settings from the shared AWS config files; a usage error when it is not
    there."""
    import botocore.exceptions
    import botocore.session

    try:
        return botocore.session.Session(profile=profile).get_scoped_config()  # type: ignore[no-any-return]
    except botocore.exceptions.ProfileNotFound:
        config = os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config"
        raise UsageError(
            f"AWS profile {profile!r} is not configured (in {config} or the credentials file); "
            "check its name with `aws configure list-profiles`"
        ) from None


def current_region(environ: Mapping[str, str]) -> str | None:
    """The region a command without side options uses: AWS_REGION, AWS_DEFAULT_REGION, else
    the configured profile's region."""
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    if region:
        return region
    import botocore.session

    return botocore.session.Session().get_config_variable("region")  # type: ignore[no-any-return]


def place_of(side: Side, environ: Mapping[str, str]) -> Place:
    """Where the side's requests go: its region by the rule above, profile and role."""
    region = side.region
    if side.profile:
        region = region or profile_config(side.profile).get("region")
    return Place(region or current_region(environ), side.profile, side.role)


def known_account(place: Place) -> str | None:
    """The account a place acts in, when its options tell without a request."""
    if place.role is not None:
        return place.role.account
    if place.profile:
        arn = profile_config(place.profile).get("role_arn")
        if arn:
            return role_account(arn)
    return None


def _same_place_error(service: str, region: str | None, account: str | None) -> UsageError:
    where = f"account {account}" if account else "the same account"
    return UsageError(
        f"SRC and DST are the same service {service!r} in {where} and region {region}: name "
        "another service, or another account or region with --to-profile, --to-role or "
        "--to-region"
    )


def concurrently(*calls: Callable[[], T]) -> list[T]:
    """Run the calls at once (one thread each) and return their results in order; the first
    call's error wins when several fail."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
    return [future.result() for future in futures]


def open_stores(
    options: GlobalOptions,
    src: Side,
    dst: Side,
    *,
    preserve_case: bool = False,
    ask_code: Callable[[Role], str] | None = None,
) -> tuple[SsmStore, SsmStore]:
    """Each side's store, checked to be two different places. ``ask_code`` is asked for the MFA
    code of each role with an MFA serial, before that role is assumed."""
    from secretctl.global_options import open_store

    services = [normalize_service(s.service, preserve_case) for s in (src, dst)]
    places = [place_of(side, os.environ) for side in (src, dst)]
    compare = services[0] == services[1] and places[0].region == places[1].region
    if compare and len({(p.profile, p.role.arn if p.role else None) for p in places}) == 1:
        raise _same_place_error(services[0], places[0].region, known_account(places[0]))
    labels = (src.label, dst.label)
    stores: list[SsmStore | None] = [None, None]

    def store(at: int) -> SsmStore:
        if stores[at] is None:
            stores[at] = open_store(options, places[at], labels[at])
        return stores[at]  # type: ignore[return-value]

    if compare:  # the same service and region: are the accounts the same?
        accounts = concurrently(
            *(lambda at=at: known_account(places[at]) or store(at).account() for at in range(2))
        )
        if accounts[0] == accounts[1]:
            raise _same_place_error(services[0], places[0].region, accounts[0])
    if ask_code is not None:  # a side whose role has an MFA serial: its code, asked here
        for at, place in enumerate(places):
            if place.role is not None and place.role.mfa_serial:
                role = place.role._replace(mfa_code=ask_code(place.role))
                places[at] = place._replace(role=role)
    opened = concurrently(*(lambda at=at: store(at) for at in range(2)))
    return opened[0], opened[1]
