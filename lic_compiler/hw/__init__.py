"""The analytical hardware model: devices, stage costs, the parallelism solver, reports."""
