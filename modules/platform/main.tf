# The whole platform of one environment: lake, topics, artefacts, orchestration and access.

module "storage" {
  source = "../medallion_storage"

  project                            = var.project
  environment                        = var.environment
  kms_key_arn                        = var.kms_key_arn
  force_destroy                      = var.force_destroy
  require_tls                        = var.require_tls
  raw_infrequent_access_days         = var.raw_infrequent_access_days
  noncurrent_version_expiration_days = var.noncurrent_version_expiration_days
  quarantine_retention_days          = var.quarantine_retention_days
  tags                               = var.tags
}

module "topics" {
  source = "../kafka_topics"

  topic_prefix        = var.kafka_topic_prefix
  partitions          = var.kafka_partitions
  replication_factor  = var.kafka_replication_factor
  min_insync_replicas = var.kafka_min_insync_replicas
  retention_hours     = var.kafka_retention_hours
  dlq_retention_hours = var.kafka_dlq_retention_hours
  cleanup_policy      = var.kafka_cleanup_policy
}

module "artifacts" {
  source = "../artifacts"

  project       = var.project
  environment   = var.environment
  kms_key_arn   = var.kms_key_arn
  force_destroy = var.force_destroy
  require_tls   = var.require_tls
  tags          = var.tags
}

module "iam" {
  source = "../iam"

  project                  = var.project
  environment              = var.environment
  region                   = var.region
  layer_bucket_arns        = module.storage.bucket_arns
  location_object_arns     = module.storage.location_object_arns
  artifacts_bucket_arn     = module.artifacts.bucket_arn
  release_prefix           = module.artifacts.release_prefix
  event_topics             = module.topics.event_topics
  dead_letter_topics       = values(module.topics.dead_letter_topics)
  kafka_cluster_arn        = var.kafka_cluster_arn
  job_service_principals   = var.job_service_principals
  job_roles_trust_account  = var.job_roles_trust_account
  github_repository        = var.github_repository
  pull_requests_may_plan   = var.pull_requests_may_plan
  deploy_may_empty_buckets = var.force_destroy
  github_oidc_provider_arn = var.github_oidc_provider_arn
  kms_key_arn              = var.kms_key_arn
  tags                     = var.tags
}

module "airflow" {
  source = "../airflow"

  project                  = var.project
  environment              = var.environment
  region                   = var.region
  kms_key_arn              = var.kms_key_arn
  artifacts_bucket_arn     = module.artifacts.bucket_arn
  release_prefix           = module.artifacts.release_prefix
  job_role_arns            = values(module.iam.job_role_arns)
  permissions_boundary_arn = module.iam.permissions_boundary_arn
  force_destroy            = var.force_destroy
  require_tls              = var.require_tls
  enable_mwaa              = var.enable_mwaa
  mwaa_airflow_version     = var.mwaa_airflow_version
  mwaa_environment_class   = var.mwaa_environment_class
  mwaa_subnet_ids          = var.mwaa_subnet_ids
  mwaa_security_group_ids  = var.mwaa_security_group_ids
  tags                     = var.tags
}
