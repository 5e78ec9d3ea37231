"""The data lake: analytics tables as month-partitioned Parquet in an object store."""

from analytics.lake.datasets import DATASETS, PERSON_DATASETS, PUBLISHED_DATASETS, LakeDataset
from analytics.lake.export import MANIFEST, LakeReport, export_lake, read_manifest
from analytics.lake.granted import check_grant, person_rows, record_use

__all__ = [
    "DATASETS",
    "MANIFEST",
    "PERSON_DATASETS",
    "PUBLISHED_DATASETS",
    "LakeDataset",
    "LakeReport",
    "check_grant",
    "export_lake",
    "person_rows",
    "read_manifest",
    "record_use",
]
