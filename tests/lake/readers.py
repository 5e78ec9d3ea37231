"""Reading a lake back as a data team would: DuckDB and polars, from a folder or S3."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import duckdb
import polars as pl
import pyarrow.dataset as ds
from pyarrow import fs


def _s3_parts(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.netloc, parts.path.strip("/")


def polars_frame(url: str, dataset: str) -> pl.DataFrame:
    """The dataset through ``pl.scan_parquet`` with hive partitions (S3 by object_store)."""
    if url.startswith("file://"):
        pattern = f"{urlsplit(url).path}/{dataset}/**/*.parquet"
        return pl.scan_parquet(pattern, hive_partitioning=True).collect()
    bucket, prefix = _s3_parts(url)
    options = {
        "aws_endpoint_url": os.environ["AWS_ENDPOINT_URL"],
        "aws_access_key_id": os.environ["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": os.environ["AWS_SECRET_ACCESS_KEY"],
        "aws_region": os.environ["AWS_DEFAULT_REGION"],
        "aws_allow_http": "true",
    }
    pattern = f"s3://{bucket}/{prefix}/{dataset}/**/*.parquet"
    return pl.scan_parquet(pattern, hive_partitioning=True, storage_options=options).collect()


def duckdb_rows(url: str, dataset: str, sql: str) -> list[tuple[Any, ...]]:
    """Run ``sql`` over the dataset (named ``lake`` in it) with DuckDB.

    A folder is read by DuckDB's own ``read_parquet``; for S3, DuckDB's httpfs extension
    cannot be downloaded here, so DuckDB scans a pyarrow dataset over the S3 endpoint.
    """
    con = duckdb.connect()
    if url.startswith("file://"):
        pattern = f"{urlsplit(url).path}/{dataset}/*/*.parquet"
        if dataset == "people":
            pattern = f"{urlsplit(url).path}/people/*.parquet"
        con.execute(
            f"CREATE VIEW lake AS SELECT * FROM read_parquet('{pattern}', "
            f"hive_partitioning = {dataset != 'people'})"
        )
    else:
        bucket, prefix = _s3_parts(url)
        endpoint = urlsplit(os.environ["AWS_ENDPOINT_URL"])
        s3 = fs.S3FileSystem(
            access_key=os.environ["AWS_ACCESS_KEY_ID"],
            secret_key=os.environ["AWS_SECRET_ACCESS_KEY"],
            region=os.environ["AWS_DEFAULT_REGION"],
            endpoint_override=endpoint.netloc,
            scheme=endpoint.scheme,
        )
        arrow = ds.dataset(
            f"{bucket}/{prefix}/{dataset}", filesystem=s3, format="parquet", partitioning="hive"
        )
        con.register("lake", arrow)
    rows = con.execute(sql).fetchall()
    con.close()
    return rows
