#!/usr/bin/env bash
# engine.sh start|stop: where no Docker engine runs, podman serves the Docker API on a socket of
# the project (.state/podman/docker.sock) for the docker CLI and its compose plugin:
#   export DOCKER_HOST=unix://$PWD/.state/podman/docker.sock
# Podman runs a container's health check from a systemd timer; without systemd (containers,
# CI sandboxes) nothing would ever run it, and `docker compose up --wait` would wait forever. So
# a second process does the timer's job: every 5 s it runs the check of each running container
# that has one (`podman healthcheck run`), as often as the fastest interval of docker-compose.yml.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CONTAINERS_CONF="$PWD/infra/containers/containers.conf"
dir=.state/podman
socket=$dir/docker.sock

running() { [ -f "$dir/$1.pid" ] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }

case ${1:-} in
  start)
    if env -u DOCKER_HOST docker info >/dev/null 2>&1; then
      echo "ok   Docker's engine runs: docker and docker compose use it, nothing to start"
      exit 0
    fi
    bash infra/containers/install.sh
    bash infra/containers/compose.sh
    mkdir -p "$dir"
    if ! running service; then
      rm -f "$socket"
      setsid podman system service --time 0 "unix://$PWD/$socket" >"$dir/service.log" 2>&1 </dev/null &
      echo $! >"$dir/service.pid"
    fi
    if ! running healthchecks; then
      # shellcheck disable=SC2016 # the loop's own variables
      setsid bash -c 'while sleep 5; do
          for id in $(podman ps --quiet --filter health=starting; podman ps --quiet --filter health=healthy; podman ps --quiet --filter health=unhealthy); do
            podman healthcheck run "$id" >/dev/null 2>&1 || true
          done
        done' >"$dir/healthchecks.log" 2>&1 </dev/null &
      echo $! >"$dir/healthchecks.pid"
    fi
    for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.2; done
    [ -S "$socket" ] || { cat "$dir/service.log" >&2; echo "error: podman's Docker API did not start (log: $dir/service.log)" >&2; exit 1; }
    echo "ok   podman serves the Docker API: export DOCKER_HOST=unix://$PWD/$socket"
    ;;
  stop)
    for process in healthchecks service; do
      if running "$process"; then kill -- "-$(cat "$dir/$process.pid")" 2>/dev/null || true; fi
      rm -f "$dir/$process.pid"
    done
    rm -f "$socket"
    echo "ok   podman's Docker API stopped"
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
