#!/usr/bin/env bash
# Render server.properties from the stack's template, apply the KAFKA_* overrides, format the
# KRaft storage on first start, then become the broker.
set -euo pipefail

config=/var/lib/kafka/server.properties
data_dir=/var/lib/kafka/data
# shellcheck disable=SC2016 # the placeholders are envsubst's to fill, not the shell's
broker_port=9092 controller_port=9093 data_dir=$data_dir \
  envsubst '${broker_port} ${controller_port} ${data_dir}' </opt/kafka/config/server.properties.template >"$config"
# KAFKA_ADVERTISED_LISTENERS=... -> advertised.listeners=... (a later line wins in a properties file).
while IFS='=' read -r name value; do
  [ "$name" = KAFKA_HEAP_OPTS ] && continue
  key=$(printf '%s' "${name#KAFKA_}" | tr 'A-Z_' 'a-z.')
  printf '%s=%s\n' "$key" "$value" >>"$config"
done < <(env | grep '^KAFKA_' || true)

read -ra heap <<<"${KAFKA_HEAP_OPTS:--Xmx512m -Xms128m}"
java_options=("${heap[@]}" -XX:+UseG1GC -Djava.awt.headless=true
              -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties -cp '/opt/kafka/libs/*')
if [ ! -f "$data_dir/meta.properties" ]; then
  cluster_id=$(java "${java_options[@]}" kafka.tools.StorageTool random-uuid)
  java "${java_options[@]}" kafka.tools.StorageTool format --config "$config" --cluster-id "$cluster_id"
fi
exec java "${java_options[@]}" kafka.Kafka "$config"
