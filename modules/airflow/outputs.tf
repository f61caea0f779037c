output "dag_bucket_name" {
  description = "Name of the bucket Airflow reads DAGs (dags/) and plugins from."
  value       = module.dag_bucket.name
}

output "dag_bucket_arn" {
  description = "ARN of the DAG bucket."
  value       = module.dag_bucket.arn
}

output "execution_role_arn" {
  description = "ARN of the Airflow execution role."
  value       = aws_iam_role.execution.arn
}

output "mwaa_webserver_url" {
  description = "URL of the MWAA web server; null when enable_mwaa is false."
  value       = one(aws_mwaa_environment.this[*].webserver_url)
}
