"""AWS Signature Version 4 for a request with a body (the JSON protocols)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

ALGORITHM = "AWS4-HMAC-SHA256"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    key = _hmac(f"AWS4{secret_key}".encode(), date)
    key = _hmac(key, region)
    key = _hmac(key, service)
    return _hmac(key, "aws4_request")


def sign(
    *,
    method: str,
    host: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
    region: str,
    service: str,
    access_key: str,
    secret_key: str,
    session_token: str | None,
    now: datetime,
) -> dict[str, str]:
    """The headers to send: ``headers`` plus Host, X-Amz-Date, the session token if any, and
    Authorization. Every header given is signed. ``now`` must be UTC."""
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    date = amz_date[:8]
    signed = dict(headers, Host=host, **{"X-Amz-Date": amz_date})
    if session_token:
        signed["X-Amz-Security-Token"] = session_token
    canonical = {k.lower(): " ".join(v.strip().split()) for k, v in signed.items()}
    names = sorted(canonical)
    canonical_headers = "".join(f"{name}:{canonical[name]}\n" for name in names)
    signed_headers = ";".join(names)
    payload_hash = hashlib.sha256(body).hexdigest()
    request = "\n".join([method, path or "/", "", canonical_headers, signed_headers, payload_hash])
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        [ALGORITHM, amz_date, scope, hashlib.sha256(request.encode("utf-8")).hexdigest()]
    )
    signature = hmac.new(
        signing_key(secret_key, date, region, service), to_sign.encode("utf-8"), hashlib.sha256
    ).hexdigest()
    signed["Authorization"] = (
        f"{ALGORITHM} Credential={access_key}/{scope}, SignedHeaders={signed_headers}, "
        f"Signature={signature}"
    )
    return signed
