"""Deploying the platform: OpenTofu plans and applies of environments/<env>, plan reviews, and
the release of the jobs' wheel (with its SQL and DAGs) into the environment's artifacts bucket."""
