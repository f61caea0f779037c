"""Fixed facts of the local stack, shared by the no-Docker stack, docker-compose.yml and the tests."""

from __future__ import annotations

LOOPBACK = "127.0.0.1"

# Apache Kafka (KRaft): clients talk to the broker port, the built-in controller listens on the next one.
KAFKA_PORT = 9092
KAFKA_CONTROLLER_PORT = KAFKA_PORT + 1

# The AWS API emulator: one HTTP endpoint for S3, STS, IAM (the port LocalStack made the habit).
AWS_PORT = 4566

# The keys of the emulator's administrator (jobs.operate.stack.moto_server), which the stack and
# its users call it with. They are not secrets: real AWS rejects them.
EMULATOR_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
