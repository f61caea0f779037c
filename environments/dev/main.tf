# Root of one environment: providers aimed at real AWS or the local emulator by variables only,
# then the platform composition with this environment's sizes.

locals {
  # An endpoint means the local stack: emulator credentials, path-style S3, plaintext Kafka.
  emulated = var.aws_endpoint_url != null
}

provider "aws" {
  region              = var.aws_region
  allowed_account_ids = length(var.allowed_account_ids) > 0 ? var.allowed_account_ids : null

  s3_use_path_style           = local.emulated
  skip_credentials_validation = local.emulated
  skip_metadata_api_check     = local.emulated
  skip_region_validation      = local.emulated
  # Without an account id the provider tags buckets through the S3 API, which emulators serve,
  # instead of the S3 Control API.
  skip_requesting_account_id = local.emulated

  endpoints {
    iam = var.aws_endpoint_url
    kms = var.aws_endpoint_url
    s3  = var.aws_endpoint_url
    sts = var.aws_endpoint_url
  }

  # moto drops the tags that the provider (6.23 and later) sends with CreateBucket, so a plan
  # against it would never settle: on the emulator, tags are left unmanaged.
  dynamic "ignore_tags" {
    for_each = local.emulated ? [""] : []
    content {
      key_prefixes = [ignore_tags.value]
    }
  }

  default_tags {
    tags = {
      project     = var.project
      environment = var.environment
      managed_by  = "opentofu"
    }
  }
}

provider "kafka" {
  bootstrap_servers = split(",", var.kafka_bootstrap_servers)
  tls_enabled       = !local.emulated
}

module "platform" {
  source = "../../modules/platform"

  project                            = var.project
  environment                        = var.environment
  region                             = var.aws_region
  kms_key_arn                        = var.kms_key_arn
  force_destroy                      = !var.deletion_protection
  require_tls                        = !local.emulated
  raw_infrequent_access_days         = var.raw_infrequent_access_days
  noncurrent_version_expiration_days = var.noncurrent_version_expiration_days
  quarantine_retention_days          = var.quarantine_retention_days
  kafka_topic_prefix                 = var.kafka_topic_prefix
  kafka_partitions                   = var.kafka_partitions
  kafka_replication_factor           = var.kafka_replication_factor
  kafka_min_insync_replicas          = var.kafka_min_insync_replicas
  kafka_retention_hours              = var.kafka_retention_hours
  kafka_dlq_retention_hours          = var.kafka_dlq_retention_hours
  kafka_cluster_arn                  = var.kafka_cluster_arn
  # dev's jobs run on the local Spark cluster, submitted by people and the local Airflow of this
  # account with the role of each job (jobs.operate.roles): no AWS service runs them.
  job_service_principals   = []
  job_roles_trust_account  = true
  github_repository        = var.github_repository
  pull_requests_may_plan   = var.pull_requests_may_plan
  github_oidc_provider_arn = var.github_oidc_provider_arn
  enable_mwaa              = var.enable_mwaa
  mwaa_airflow_version     = var.mwaa_airflow_version
  mwaa_environment_class   = var.mwaa_environment_class
  mwaa_subnet_ids          = var.mwaa_subnet_ids
  mwaa_security_group_ids  = var.mwaa_security_group_ids
}
