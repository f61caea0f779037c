"""The local platform stack without Docker: Apache Kafka (KRaft), an AWS API emulator, a Spark cluster.

`stack_up`, `stack_down` and `stack_status` back `make up|down|status` and `rtdp stack ...`.
"""

from jobs.operate.stack.constants import AWS_PORT, KAFKA_CONTROLLER_PORT, KAFKA_PORT
from jobs.operate.stack.lifecycle import ServiceStatus
from jobs.operate.stack.stack import stack_down, stack_status, stack_up

__all__ = ["AWS_PORT", "KAFKA_CONTROLLER_PORT", "KAFKA_PORT", "ServiceStatus", "stack_down", "stack_status", "stack_up"]
