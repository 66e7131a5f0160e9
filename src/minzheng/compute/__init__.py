"""The compute plane: engine adapters, snapshots, bulk loads of results back into the record plane."""
