"""Writes to the registry. Every action is atomic and writes its audit row in the same transaction."""

from .households import (
    do_add_member,
    do_create_household,
    do_end_membership,
    do_record_asset,
    do_record_income,
    do_update_person,
)
from .reveal import do_reveal_person_data

__all__ = [
    "do_add_member",
    "do_create_household",
    "do_end_membership",
    "do_record_asset",
    "do_record_income",
    "do_reveal_person_data",
    "do_update_person",
]
