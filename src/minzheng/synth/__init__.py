"""The synthetic Zhaotong city: a deterministic, vectorised generator of registry-shaped data."""
