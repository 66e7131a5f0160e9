"""The lake of departmental data (部门数据): schema contracts, validated ingest, the Parquet layout.

``<lake>/<source>/<period>/data.parquet`` holds one source for one month in the layout of
``lake_schema(contract)``: the contract's columns, then ``id_raw``, ``id_status``, ``id_key`` and
``row_number``. Both ``minzheng lake ingest`` and the synthetic city write it, so the matcher reads either.
"""

from minzheng.verification.lake.contracts import (
    CONTRACTS,
    DEPARTMENT_SOURCES,
    LAKE_EXTRA_COLUMNS,
    ColumnSpec,
    SourceContract,
    get_contract,
    lake_schema,
)
from minzheng.verification.lake.errors import LakeError
from minzheng.verification.lake.ids import ID_STATUSES, id_keys, normalize_ids, normalize_ids_with_keys
from minzheng.verification.lake.storage import dataset_path, write_dataset

__all__ = [
    "CONTRACTS",
    "DEPARTMENT_SOURCES",
    "ID_STATUSES",
    "LAKE_EXTRA_COLUMNS",
    "ColumnSpec",
    "LakeError",
    "SourceContract",
    "dataset_path",
    "get_contract",
    "id_keys",
    "lake_schema",
    "normalize_ids",
    "normalize_ids_with_keys",
    "write_dataset",
]
