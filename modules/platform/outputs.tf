output "location_uris" {
  description = "s3:// URI of each lake location (raw, bronze, silver, gold, quarantine, truth), as environments/<env>/settings.toml names them."
  value       = module.storage.location_uris
}

output "bucket_names" {
  description = "Every bucket of the environment, keyed raw, bronze, silver, gold, artifacts, airflow."
  value = merge(module.storage.bucket_names, {
    artifacts = module.artifacts.bucket_name
    airflow   = module.airflow.dag_bucket_name
  })
}

output "releases_uri" {
  description = "s3:// URI under which `make deploy` uploads each version's wheel, SQL and DAGs."
  value       = module.artifacts.releases_uri
}

output "event_topics" {
  description = "The Kafka event topics."
  value       = module.topics.event_topics
}

output "dead_letter_topics" {
  description = "The dead-letter topic of each event topic."
  value       = module.topics.dead_letter_topics
}

output "topic_configs" {
  description = "Partitions, replication factor and config of every topic."
  value       = module.topics.topic_configs
}

output "job_role_arns" {
  description = "ARN of each job family's role."
  value       = module.iam.job_role_arns
}

output "job_policy_documents" {
  description = "Rendered access policy of each job family."
  value       = module.iam.job_policy_documents
}

output "plan_role_arn" {
  description = "Read-only role GitHub Actions assumes through OIDC to plan this environment."
  value       = module.iam.plan_role_arn
}

output "plan_policy_document" {
  description = "Rendered access policy of the plan role."
  value       = module.iam.plan_policy_document
}

output "deploy_role_arn" {
  description = "Role that GitHub Actions assumes through OIDC to deploy this environment."
  value       = module.iam.deploy_role_arn
}

output "airflow_execution_role_arn" {
  description = "Execution role of the Airflow environment."
  value       = module.airflow.execution_role_arn
}

output "mwaa_webserver_url" {
  description = "URL of the MWAA web server; null when MWAA is off."
  value       = module.airflow.mwaa_webserver_url
}
