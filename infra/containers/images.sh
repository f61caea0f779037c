#!/usr/bin/env bash
# `make images`: the project's images, built from the project folder with Docker where its engine
# runs, else with podman (installed here once; the docker CLI can talk to it, see README.md).
# The wheel (`make wheel`), the jars (`rtdp stack jars`) and OpenTofu with its providers (`make
# tools`) must exist: the Makefile sees to it.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CONTAINERS_CONF="$PWD/infra/containers/containers.conf"

VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
build=()
# Docker's engine, not podman serving its API (`make engine`), which builds better with podman itself.
if docker version --format '{{range .Server.Components}}{{.Name}} {{end}}' 2>/dev/null | grep -qv Podman; then
  engine=docker
  build=(docker build)
else
  engine=podman
  bash infra/containers/install.sh
  bash infra/containers/base.sh
  build=(podman build --pull=never --format docker)  # the Docker format keeps HEALTHCHECK
fi
# A TLS-intercepting proxy's CA must be trusted by pip inside the build: the system's CA bundle
# is handed over as a build secret (never stored in an image).
ca_bundle=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
secret=()
[ -s "$ca_bundle" ] && secret=(--secret "id=ca_bundle,src=$ca_bundle")

labels=(--label "org.opencontainers.image.version=$VERSION" --label "org.opencontainers.image.licenses=Apache-2.0")

image() {  # image NAME DOCKERFILE [BUILD OPTION...]
  local started=$SECONDS name=$1 dockerfile=$2
  shift 2
  "${build[@]}" "${secret[@]}" "${labels[@]}" --build-arg "VERSION=$VERSION" "$@" -t "rtdp-$name:$VERSION" -f "$dockerfile" . \
    >".state/images/$name.log" 2>&1 \
    || { tail -20 ".state/images/$name.log" >&2; echo "error: the $name image did not build (log: .state/images/$name.log)" >&2; exit 1; }
  local size
  size=$($engine image inspect --format '{{.Size}}' "rtdp-$name:$VERSION" | numfmt --to=iec)
  echo "ok   rtdp-$name:$VERSION ($size, built in $((SECONDS - started)) s with $engine)"
}

mkdir -p .state/images
image platform Dockerfile --target platform
for target in emulator deploy; do
  image "$target" Dockerfile --target "$target" --build-arg "PLATFORM=rtdp-platform:$VERSION"
done
# The Airflow image installs the platform's dependencies (with its ML extra) in a layer before the
# wheel's own: the list changes only with pyproject.toml's pins, so a new wheel rebuilds little.
python3 -c 'import tomllib; project = tomllib.load(open("pyproject.toml", "rb"))["project"]
print("\n".join(project["dependencies"] + project["optional-dependencies"]["ml"]))' >.state/images/platform-requirements.txt
image airflow infra/images/airflow/Dockerfile
image kafka infra/images/kafka/Dockerfile \
  --build-arg "KAFKA_VERSION=$(sed -n 's|.*<kafka.version>\(.*\)</kafka.version>.*|\1|p' infra/local/kafka/pom.xml)"
