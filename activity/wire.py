"""Rules of the wire that device and service share: plain HTTP only over loopback, the clock."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# Every authenticated request of a collector carries the device's clock, in epoch seconds,
# so the service can judge the device's times in its own (``ingest.clock``).
DEVICE_CLOCK_HEADER = "X-Traq-Device-Clock"
