# syntax=docker/dockerfile:1
# The project's images, one target each, built by `make images` (infra/containers/images.sh)
# from the project folder after `make wheel`, `rtdp stack jars` (and, for deploy, `make tools`):
#   platform  the released wheel with its locked dependencies, Java 17, and Spark (from the
#             pyspark wheel, at /opt/spark) with the S3A and Kafka connector jars. It runs any
#             `rtdp` command (by default the job of `make demo`) and Spark's own daemons.
#   emulator  the AWS emulator of the no-Docker stack (moto, IAM enforced), on port 4566.
#   deploy    `rtdp infra deploy` of an environment: OpenTofu, its providers and the Terraform
#             configurations, with the wheel it releases.
ARG BASE=debian:bookworm-slim
# What the emulator and deploy images start from: the platform stage below, or the platform image
# just built (infra/containers/images.sh passes it, so that its layers are not checked again).
ARG PLATFORM=platform

FROM ${BASE} AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates python3 python3-venv \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.lock /build/
# A TLS-intercepting proxy's CA bundle, where one is in the way (`--secret id=ca_bundle,src=...`):
# used by this stage's pip only, never part of the image.
# pip's cache outlives the build (a cache mount): a changed lock downloads only what changed.
RUN --mount=type=secret,id=ca_bundle,required=false --mount=type=cache,target=/root/.cache/pip \
    if [ -s /run/secrets/ca_bundle ]; then export PIP_CERT=/run/secrets/ca_bundle; fi \
    && python3 -m venv /opt/rtdp/venv \
    && /opt/rtdp/venv/bin/pip install --disable-pip-version-check --require-hashes --no-deps -r /build/requirements.lock

FROM ${BASE} AS platform
# The version and licence labels come from infra/containers/images.sh.
LABEL org.opencontainers.image.title="rtdp-platform" \
      org.opencontainers.image.description="Real-Time Data Engineering Learning Platform: the jobs, with Spark and Java"
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates python3 openjdk-17-jre-headless \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 rtdp \
    && install -d -o rtdp /opt/rtdp/cache /opt/rtdp/cache/releases
COPY --from=build /opt/rtdp/venv /opt/rtdp/venv
# Spark's scripts and jars where its daemons' commands expect them (the pyspark wheel is a Spark distribution).
RUN ln -s /opt/rtdp/venv/lib/python3*/site-packages/pyspark /opt/spark
COPY --chown=rtdp .cache/spark-jars /opt/rtdp/cache/spark-jars
COPY --chown=rtdp .cache/spark-kafka-jars /opt/rtdp/cache/spark-kafka-jars
# The wheel in a layer of its own: a new build of the jobs does not copy the dependencies again.
ARG VERSION
COPY dist/rtdp-${VERSION}-py3-none-any.whl /tmp/
RUN /opt/rtdp/venv/bin/pip install --disable-pip-version-check --no-deps /tmp/rtdp-*.whl \
    && rm /tmp/rtdp-*.whl
USER rtdp
WORKDIR /home/rtdp
# Data and state go under the user's home (a volume in docker-compose.yml); the class archive
# Spark's driver makes at its first start, beside the jars.
ENV PATH=/opt/rtdp/venv/bin:$PATH \
    RTDP_HOME=/home/rtdp \
    RTDP_CACHE_DIR=/opt/rtdp/cache \
    SPARK_HOME=/opt/spark
ENTRYPOINT ["rtdp"]
CMD ["run", "--env", "local"]

FROM ${PLATFORM} AS emulator
LABEL org.opencontainers.image.title="rtdp-emulator" \
      org.opencontainers.image.description="The AWS API emulator of the rtdp platform (moto, IAM enforced)"
EXPOSE 4566
# Every request must be signed (IAM is enforced), so the check is that the port accepts connections.
HEALTHCHECK --interval=5s --timeout=5s --retries=30 \
    CMD ["python3", "-c", "import socket; socket.create_connection(('127.0.0.1', 4566), 2)"]
# All interfaces of the container: the host publishes the port on 127.0.0.1 only.
ENTRYPOINT ["python3", "-m", "jobs.operate.stack.moto_server", "-H", "0.0.0.0", "-p", "4566"]
CMD []

FROM ${PLATFORM} AS deploy
LABEL org.opencontainers.image.title="rtdp-deploy" \
      org.opencontainers.image.description="rtdp infra deploy: OpenTofu, its providers and the platform's Terraform configurations"
ARG VERSION
COPY --chown=rtdp modules /opt/rtdp/checkout/modules
COPY --chown=rtdp environments /opt/rtdp/checkout/environments
COPY --chown=rtdp infra/bootstrap /opt/rtdp/checkout/infra/bootstrap
COPY .cache/terraform/bin/tofu /opt/rtdp/tools/terraform/bin/tofu
COPY .cache/terraform/mirror /opt/rtdp/tools/terraform/mirror
COPY dist/rtdp-${VERSION}-py3-none-any.whl /opt/rtdp/dist/
USER root
RUN printf 'provider_installation {\n  filesystem_mirror {\n    path = "/opt/rtdp/tools/terraform/mirror"\n  }\n}\n' \
    > /opt/rtdp/tools/terraform/tofu.rc
USER rtdp
ENV RTDP_CHECKOUT_DIR=/opt/rtdp/checkout \
    RTDP_TOOLS_DIR=/opt/rtdp/tools/terraform
ENTRYPOINT ["sh", "-c", "exec rtdp infra deploy --wheel /opt/rtdp/dist/*.whl \"$@\"", "deploy"]
CMD ["--env", "dev"]
