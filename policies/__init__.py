"""Pure policy and host-hardening rules for the platform program.

Everything here returns plain dicts and text and imports neither ``pulumi`` nor ``boto3``,
so it can be unit-tested, rendered into the access report, or run on a test host.
"""
