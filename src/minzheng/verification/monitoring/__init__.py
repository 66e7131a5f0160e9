"""低收入人口动态监测: six categories with their layer, warnings with level and route (set-based SQL)."""

from .choices import LAYER_OF, Category, Layer, Route, Signal, WarningLevel
from .pipeline import CATEGORIES_SCHEMA, WARNINGS_SCHEMA, MonitoringResult, compute_monitoring, spark_steps
from .profile import MonitoringProfile
from .rules import MonitoringContext, monitoring_steps

__all__ = [
    "CATEGORIES_SCHEMA",
    "LAYER_OF",
    "WARNINGS_SCHEMA",
    "Category",
    "Layer",
    "MonitoringContext",
    "MonitoringProfile",
    "MonitoringResult",
    "Route",
    "Signal",
    "WarningLevel",
    "compute_monitoring",
    "monitoring_steps",
    "spark_steps",
]
