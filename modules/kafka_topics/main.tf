# The platform's event topics and one dead-letter topic per event topic.

locals {
  hour_ms = 3600 * 1000

  event_topics = {
    for topic in var.event_topics : "${var.topic_prefix}${topic}" => {
      partitions   = var.partitions
      retention_ms = var.retention_hours * local.hour_ms
      cleanup      = var.cleanup_policy
    }
  }

  # Dead letters always expire: compacting them would drop repeated failures of one key.
  dlq_topics = {
    for topic in var.event_topics : "${var.topic_prefix}${topic}.dlq" => {
      partitions   = var.dlq_partitions
      retention_ms = var.dlq_retention_hours * local.hour_ms
      cleanup      = "delete"
    }
  }
}

resource "kafka_topic" "this" {
  for_each = merge(local.event_topics, local.dlq_topics)

  name               = each.key
  partitions         = each.value.partitions
  replication_factor = var.replication_factor

  config = {
    "cleanup.policy"      = each.value.cleanup
    "retention.ms"        = tostring(each.value.retention_ms)
    "min.insync.replicas" = tostring(var.min_insync_replicas)
  }

  lifecycle {
    precondition {
      condition     = var.min_insync_replicas <= var.replication_factor
      error_message = "min_insync_replicas cannot exceed replication_factor."
    }
  }
}
