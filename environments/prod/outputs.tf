output "environment" {
  description = "Environment this state describes."
  value       = var.environment
}

output "location_uris" {
  description = "s3:// URI of each lake location; must equal the storage section of settings.toml."
  value       = module.platform.location_uris
}

output "bucket_names" {
  description = "Every bucket of the environment."
  value       = module.platform.bucket_names
}

output "releases_uri" {
  description = "Where `make deploy` uploads each version's wheel, SQL and DAGs."
  value       = module.platform.releases_uri
}

output "event_topics" {
  description = "The Kafka event topics."
  value       = module.platform.event_topics
}

output "dead_letter_topics" {
  description = "The dead-letter topic of each event topic."
  value       = module.platform.dead_letter_topics
}

output "topic_configs" {
  description = "Partitions, replication factor and config of every topic."
  value       = module.platform.topic_configs
}

output "job_role_arns" {
  description = "ARN of each job family's role."
  value       = module.platform.job_role_arns
}

output "job_policy_documents" {
  description = "Rendered access policy of each job family."
  value       = module.platform.job_policy_documents
}

output "plan_role_arn" {
  description = "Read-only role GitHub Actions assumes through OIDC to plan this environment."
  value       = module.platform.plan_role_arn
}

output "plan_policy_document" {
  description = "Rendered access policy of the plan role."
  value       = module.platform.plan_policy_document
}

output "deploy_role_arn" {
  description = "Role GitHub Actions assumes through OIDC to deploy this environment."
  value       = module.platform.deploy_role_arn
}

output "airflow_execution_role_arn" {
  description = "Execution role of the Airflow environment."
  value       = module.platform.airflow_execution_role_arn
}
