# syntax=docker/dockerfile:1
# The platform image: the released wheel with its locked dependencies, Java 17, and Spark (from
# the pyspark wheel) with the S3A and Kafka connector jars. It runs any `rtdp` command; by default
# the job of `make demo`. Built by `make images` (infra/containers/images.sh) from the project
# folder, after `make wheel` and `rtdp stack jars` have made the wheel and fetched the jars.
ARG BASE=debian:bookworm-slim

FROM ${BASE} AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates python3 python3-venv \
    && rm -rf /var/lib/apt/lists/*
ARG VERSION
COPY requirements.lock /build/
COPY dist/rtdp-${VERSION}-py3-none-any.whl /build/dist/
# A TLS-intercepting proxy's CA bundle, where one is in the way (`--secret id=ca_bundle,src=...`):
# used by this stage's pip only, never part of the image.
# pip's cache outlives the build (a cache mount): a changed lock downloads only what changed.
RUN --mount=type=secret,id=ca_bundle,required=false --mount=type=cache,target=/root/.cache/pip \
    if [ -s /run/secrets/ca_bundle ]; then export PIP_CERT=/run/secrets/ca_bundle; fi \
    && python3 -m venv /opt/rtdp/venv \
    && /opt/rtdp/venv/bin/pip install --disable-pip-version-check --require-hashes --no-deps -r /build/requirements.lock \
    && /opt/rtdp/venv/bin/pip install --disable-pip-version-check --no-deps /build/dist/*.whl

FROM ${BASE}
# The version and licence labels come from infra/containers/images.sh.
LABEL org.opencontainers.image.title="rtdp-platform" \
      org.opencontainers.image.description="Real-Time Data Engineering Learning Platform: the jobs, with Spark and Java"
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates python3 openjdk-17-jre-headless \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 rtdp \
    && install -d -o rtdp /opt/rtdp/cache
COPY --from=build /opt/rtdp/venv /opt/rtdp/venv
COPY --chown=rtdp .cache/spark-jars /opt/rtdp/cache/spark-jars
COPY --chown=rtdp .cache/spark-kafka-jars /opt/rtdp/cache/spark-kafka-jars
USER rtdp
WORKDIR /home/rtdp
# Data and state go under the user's home (a volume in docker-compose.yml); the class archive
# Spark's driver makes at its first start, beside the jars.
ENV PATH=/opt/rtdp/venv/bin:$PATH \
    RTDP_HOME=/home/rtdp \
    RTDP_CACHE_DIR=/opt/rtdp/cache
ENTRYPOINT ["rtdp"]
CMD ["run", "--env", "local"]
