"""Where a store's requests go and as whom, when that is not simply the current environment:
the sides of ``diff`` and ``copy`` (a region, an AWS profile, a role to assume).

A store is bound to one place; a command that spans two holds two stores."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

from secretctl.errors import UsageError

if TYPE_CHECKING:
    from secretctl.aws.credentials import Credentials

# an IAM role ARN, in any partition: arn:aws:iam::123456789012:role/path/name
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/[\w+=,.@/-]{1,512}$", re.ASCII)
# sts:AssumeRole's SerialNumber (a hardware device's serial such as GAHT12345678, or a virtual
# device's ARN): https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
MFA_SERIAL = re.compile(r"^[\w+=/:,.@-]{9,256}$", re.ASCII)


class Role(NamedTuple):
    """A role to assume with the current (or the profile's) credentials. ``option`` is the
    command-line option that named it, for messages; the MFA code is asked for beforehand.

    With an ``mfa_session`` (the credentials of sts:GetSessionToken with the MFA code, when
    one code serves two roles), the role is assumed with those instead, and without the code:
    the session carries aws:MultiFactorAuthPresent."""

    arn: str
    option: str
    mfa_serial: str | None = None
    mfa_code: str | None = None
    mfa_session: Credentials | None = None

    @property
    def account(self) -> str:
        return role_account(self.arn)

    @property
    def sends_code(self) -> bool:
        """Whether sts:AssumeRole carries the MFA device and code (no MFA session)."""
        return bool(self.mfa_serial) and self.mfa_session is None

    def __repr__(self) -> str:  # never the code or the session's keys
        return f"Role({self.arn!r}, {self.option!r}, mfa_serial={self.mfa_serial!r})"


def role_account(arn: str) -> str:
    """The account of a role ARN (checked with ``check_role_arn`` first)."""
    return arn.split(":")[4]


def check_role_arn(arn: str, option: str) -> str:
    """A role ARN as given, or a usage error naming the option."""
    if not ROLE_ARN.fullmatch(arn):
        raise UsageError(
            f"{option} must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME), not {arn!r}"
        )
    return arn


def check_mfa_serial(serial: str) -> str:
    """An MFA device as ``--mfa-serial`` gives it, or a usage error."""
    if not MFA_SERIAL.fullmatch(serial):
        raise UsageError(
            f"--mfa-serial must be an MFA device's ARN (arn:aws:iam::ACCOUNT:mfa/NAME) or a "
            f"hardware device's serial number (9 to 256 letters, digits and +=/:,.@_-), not "
            f"{serial!r}"
        )
    return serial


class Place(NamedTuple):
    """A region (None: none is configured anywhere), an AWS profile (None: the current
    credentials) and a role to assume on top (None: none)."""

    region: str | None = None
    profile: str | None = None
    role: Role | None = None

    def environ(self, base: Mapping[str, str]) -> dict[str, str]:
        """``base`` as this place sees it: the region in AWS_REGION and AWS_DEFAULT_REGION,
        the profile in AWS_PROFILE (so that the lean path steps aside for it)."""
        environ = dict(base)
        if self.region:
            environ["AWS_REGION"] = environ["AWS_DEFAULT_REGION"] = self.region
        if self.profile:
            environ["AWS_PROFILE"] = self.profile
        return environ
