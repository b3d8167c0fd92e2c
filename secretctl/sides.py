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


def with_mfa(
    places: list[Place], ask_code: Callable[[str, list[Role]], str], options: GlobalOptions
) -> list[Place]:
    """The places with their roles' MFA code asked for once. One role: sts:AssumeRole takes
    the code (one request). Two: AWS refuses a code used twice, so one sts:GetSessionToken
    takes it, as the sides' shared credentials (``check_mfa_sides``), and each role is
    assumed with that MFA session, which carries aws:MultiFactorAuthPresent."""
    from secretctl.store.ssm import mfa_session

    roles = {at: p.role for at, p in enumerate(places) if p.role and p.role.mfa_serial}
    if not roles:
        return places
    first = min(roles)
    serial = roles[first].mfa_serial or ""
    code = ask_code(serial, list(roles.values()))
    session = None
    if len(roles) > 1:
        session = mfa_session(places[first], serial, code, options.timeout, options.retry_mode)
    out = list(places)
    for at, role in roles.items():
        role = role._replace(mfa_session=session) if session else role._replace(mfa_code=code)
        out[at] = places[at]._replace(role=role)
    return out


def check_mfa_sides(src: Side, dst: Side) -> None:
    """One MFA code starts one MFA session, as one set of credentials: two roles with
    ``--mfa-serial`` need both sides on the same profile (or both on none)."""
    if src.role is None or dst.role is None or not src.role.mfa_serial:
        return
    if src.profile != dst.profile:
        names = [
            f"--{s}-profile {p}" if p else "the current credentials"
            for s, p in (("from", src.profile), ("to", dst.profile))
        ]
        raise UsageError(
            "--mfa-serial with --from-role and --to-role needs both sides' credentials the "
            f"same (one code starts one MFA session): {names[0]} and {names[1]} differ; give "
            "both sides the same profile (or none), or move one role into a profile (role_arn, "
            "mfa_serial) and name that profile instead"
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
    ask_code: Callable[[str, list[Role]], str] | None = None,
) -> tuple[SsmStore, SsmStore]:
    """Each side's store, checked to be two different places. ``ask_code(serial, roles)`` is
    asked once for the MFA code of the roles with an MFA serial, before they are assumed: one
    role is assumed with the code; two share one MFA session (``with_mfa``)."""
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
    if ask_code is not None:
        places = with_mfa(places, ask_code, options)
    opened = concurrently(*(lambda at=at: store(at) for at in range(2)))
    return opened[0], opened[1]
