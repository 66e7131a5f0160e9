"""Monthly payroll: price every active entitlement with the standards in force (set-based SQL on DuckDB),
freeze the month, write payment files, reconcile what the banks paid."""
