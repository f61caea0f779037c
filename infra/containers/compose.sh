#!/usr/bin/env bash
# The docker CLI's compose plugin, where the CLI has none: Docker's own compose, built from its Go
# module at the pinned version into the CLI's plugin folder (~/.docker/cli-plugins), once.
set -euo pipefail
COMPOSE_VERSION=5.6.0

if docker compose version >/dev/null 2>&1; then
  echo "ok   $(docker compose version)"
  exit 0
fi
command -v docker >/dev/null || { echo "error: the docker CLI is missing: install it (Debian: apt-get install docker-cli, or Docker's own packages)" >&2; exit 1; }
command -v go >/dev/null || { echo "error: building the compose plugin needs Go (https://go.dev/dl/ or apt-get install golang)" >&2; exit 1; }
plugins=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins
mkdir -p "$plugins"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "...  building the docker compose plugin $COMPOSE_VERSION from its Go module (about a minute)"
(cd "$work" && go mod init compose-build >/dev/null 2>&1 \
  && GOFLAGS=-mod=mod go get "github.com/docker/compose/v5@v$COMPOSE_VERSION" >/dev/null 2>&1 \
  && GOFLAGS=-mod=mod nice go build -trimpath -ldflags "-s -w -X github.com/docker/compose/v5/internal.Version=v$COMPOSE_VERSION" \
       -o "$plugins/docker-compose" github.com/docker/compose/v5/cmd) \
  || { echo "error: building docker compose $COMPOSE_VERSION failed (run the commands of $0 by hand to see why)" >&2; exit 1; }
echo "ok   $(docker compose version)"
