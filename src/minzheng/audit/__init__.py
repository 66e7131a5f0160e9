"""Append-only, hash-chained audit log, written by every action in the same transaction."""
