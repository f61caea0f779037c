# Names come from the inputs, so the outputs stay valid while topics are imported one by one;
# depends_on keeps "output known" meaning "topic created".
output "event_topics" {
  description = "Names of the event topics, in the order of var.event_topics."
  value       = [for topic in var.event_topics : "${var.topic_prefix}${topic}"]
  depends_on  = [kafka_topic.this]
}

output "dead_letter_topics" {
  description = "Name of the dead-letter topic of each event topic, keyed by the event topic's name."
  value       = { for topic in var.event_topics : "${var.topic_prefix}${topic}" => "${var.topic_prefix}${topic}.dlq" }
  depends_on  = [kafka_topic.this]
}

output "topic_configs" {
  description = "Partitions, replication factor and config of every topic, keyed by topic name."
  value = {
    for name, topic in kafka_topic.this : name => {
      partitions         = topic.partitions
      replication_factor = topic.replication_factor
      config             = topic.config
    }
  }
}
