"""Excel import of households (家庭户导入): staged, validated row by row, written whole or not at all.

Public entry points:
- :func:`do_stage_household_import` — stage, validate and (as the mode allows) commit an uploaded workbook;
- :func:`do_download_import_errors` — the error workbook of a batch, audited, masked for non-uploaders;
- :func:`build_error_workbook` — the error workbook as bytes;
- :func:`build_template` — the import template as bytes;
- :func:`access_import_batch_by_id`, :func:`list_import_batches`, :func:`list_batch_errors` — reads.
"""

from .actions import do_download_import_errors, do_stage_household_import
from .errors_workbook import build_error_workbook
from .selectors import access_import_batch_by_id, list_batch_errors, list_import_batches, skipped_rows
from .template import TEMPLATE_FILE_NAME, build_template

__all__ = [
    "TEMPLATE_FILE_NAME",
    "access_import_batch_by_id",
    "build_error_workbook",
    "build_template",
    "do_download_import_errors",
    "do_stage_household_import",
    "list_batch_errors",
    "list_import_batches",
    "skipped_rows",
]
