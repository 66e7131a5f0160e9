"""Settings packages: ``base`` (env-driven defaults), ``test`` and ``production``."""
