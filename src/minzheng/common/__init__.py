"""Shared building blocks: ID numbers, the GB/T 2260 region tree, money, periods, errors, masking."""
