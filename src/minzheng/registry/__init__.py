"""The social registry: households, people, membership, incomes, assets, disabilities; import staging."""
