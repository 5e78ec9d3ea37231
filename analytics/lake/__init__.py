"""The data lake: analytics tables as month-partitioned Parquet in an object store."""

from analytics.lake.datasets import DATASETS, LakeDataset
from analytics.lake.export import MANIFEST, LakeReport, export_lake, read_manifest

__all__ = ["DATASETS", "MANIFEST", "LakeDataset", "LakeReport", "export_lake", "read_manifest"]
