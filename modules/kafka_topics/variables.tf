variable "event_topics" {
  description = "Topics the producers write events to; each gets a dead-letter topic named <topic>.dlq."
  type        = list(string)
  default     = ["transactions", "inventory_movements"]

  validation {
    condition     = length(var.event_topics) > 0 && alltrue([for topic in var.event_topics : can(regex("^[a-z][a-z0-9_]*$", topic))])
    error_message = "event_topics must be a non-empty list of lower-case snake_case names."
  }
}

variable "topic_prefix" {
  description = "Prefix put in front of every topic name, for brokers shared by several environments (e.g. \"dev.\"); empty for none."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^([a-z0-9_-]+[.])?$", var.topic_prefix))
    error_message = "topic_prefix must be empty or lower-case characters ending with a dot, e.g. dev."
  }
}

variable "partitions" {
  description = "Partitions of each event topic (the upper bound of consumer parallelism)."
  type        = number

  validation {
    condition     = var.partitions >= 1 && var.partitions <= 64 && floor(var.partitions) == var.partitions
    error_message = "partitions must be a whole number between 1 and 64."
  }
}

variable "dlq_partitions" {
  description = "Partitions of each dead-letter topic (they carry little traffic)."
  type        = number
  default     = 1

  validation {
    condition     = var.dlq_partitions >= 1 && var.dlq_partitions <= 64 && floor(var.dlq_partitions) == var.dlq_partitions
    error_message = "dlq_partitions must be a whole number between 1 and 64."
  }
}

variable "replication_factor" {
  description = "Copies of each partition; at most the number of brokers (1 on the single-broker local stack)."
  type        = number

  validation {
    condition     = var.replication_factor >= 1 && var.replication_factor <= 5 && floor(var.replication_factor) == var.replication_factor
    error_message = "replication_factor must be a whole number between 1 and 5."
  }
}

variable "min_insync_replicas" {
  description = "Replicas that must confirm a write sent with acks=all; keep it below replication_factor so one broker can fail."
  type        = number
  default     = 1

  validation {
    condition     = var.min_insync_replicas >= 1 && floor(var.min_insync_replicas) == var.min_insync_replicas
    error_message = "min_insync_replicas must be a whole number, at least 1."
  }
}

variable "retention_hours" {
  description = "Hours an event stays on an event topic (the window in which a consumer can replay it)."
  type        = number

  validation {
    condition     = var.retention_hours >= 1 && var.retention_hours <= 8760 && floor(var.retention_hours) == var.retention_hours
    error_message = "retention_hours must be a whole number between 1 and 8760 (one year)."
  }
}

variable "dlq_retention_hours" {
  description = "Hours a dead-lettered event is kept for inspection and replay."
  type        = number

  validation {
    condition     = var.dlq_retention_hours >= 1 && var.dlq_retention_hours <= 8760 && floor(var.dlq_retention_hours) == var.dlq_retention_hours
    error_message = "dlq_retention_hours must be a whole number between 1 and 8760 (one year)."
  }
}

variable "cleanup_policy" {
  description = "Kafka cleanup.policy of the event topics: delete (events expire with retention), compact, or compact,delete."
  type        = string
  default     = "delete"

  validation {
    condition     = contains(["delete", "compact", "compact,delete"], var.cleanup_policy)
    error_message = "cleanup_policy must be delete, compact or compact,delete."
  }
}
