"""Operate: running the platform.

- `stack`: the local stack without Docker (Kafka, the AWS emulator).
- `deploy`: OpenTofu plans and applies of the environments, and releases of the jobs.
"""
