"""The ingestion service: collectors of a company send batches over HTTPS to this ASGI app.

A device enrols with a one-time code and gets a bearer token bound to one person; the token
can write that person's minute rows, spans and screenshots and read nothing. Batches are
checked against the data contracts and written idempotently through the same code as the
embedded sink; screenshots go straight to S3 through presigned PUT URLs (or through the
service itself for a folder object store).
"""

from ingest.app import IngestConfig, create_app

__all__ = ["IngestConfig", "create_app"]
