"""Where spooled items go: the ``Sink`` protocol and its embedded implementation.

The embedded sink writes straight into the configured database and object store (one
machine). The company deployment's HTTPS ingestion sink implements the same protocol.
"""

from collector.sinks.base import Sink

__all__ = ["Sink"]
