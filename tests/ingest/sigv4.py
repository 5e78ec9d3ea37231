"""Check an S3 presigned URL's SigV4 signature as S3 does (moto accepts any signature).

moto's S3 server does not verify presigned URLs (a changed key, signature or body is
stored all the same, measured with moto 5), so the tests recompute the signature here to
show what S3 itself refuses.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote, urlsplit


def signature_valid(url: str, secret: str, headers: dict[str, str], now: datetime) -> bool:
    """True if S3 would accept a PUT of ``url`` with ``headers`` at ``now``."""
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    signature = params.pop("X-Amz-Signature", "")
    signed = params["X-Amz-SignedHeaders"].split(";")
    sent = {"host": parts.netloc, **{k.lower(): v for k, v in headers.items()}}
    if any(name not in sent for name in signed):
        return False
    query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(params.items())
    )
    canonical = "\n".join(
        [
            "PUT",
            parts.path,
            query,
            "".join(f"{name}:{sent[name].strip()}\n" for name in signed),
            ";".join(signed),
            "UNSIGNED-PAYLOAD",
        ]
    )
    stamp = params["X-Amz-Date"]
    _access, day, region, service, terminal = params["X-Amz-Credential"].split("/")
    scope = f"{day}/{region}/{service}/{terminal}"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = f"AWS4{secret}".encode()
    for part in (day, region, service, terminal):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    issued = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    fresh = now <= issued + timedelta(seconds=int(params["X-Amz-Expires"]))
    return fresh and hmac.compare_digest(expected, signature)
