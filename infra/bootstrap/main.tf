# What one environment needs before its first deploy, applied once by an administrator: the
# remote state backend (a versioned, encrypted, private bucket; locking needs no table: OpenTofu's
# S3 backend writes a lock object, use_lockfile = true) and the permissions boundary of every
# role the environment's configuration creates.

locals {
  emulated = var.aws_endpoint_url != null
}

provider "aws" {
  region = var.aws_region

  s3_use_path_style           = local.emulated
  skip_credentials_validation = local.emulated
  skip_metadata_api_check     = local.emulated
  skip_region_validation      = local.emulated
  # Without an account id the provider tags buckets through the S3 API, which emulators serve,
  # instead of the S3 Control API.
  skip_requesting_account_id = local.emulated

  endpoints {
    iam = var.aws_endpoint_url
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

module "state_bucket" {
  source = "../../modules/s3_bucket"

  bucket_name                        = "${var.project}-${var.environment}-tfstate"
  kms_key_arn                        = var.kms_key_arn
  force_destroy                      = var.force_destroy
  require_tls                        = !local.emulated
  noncurrent_version_expiration_days = var.state_version_retention_days
}

data "aws_caller_identity" "current" {}

locals {
  name_prefix = "${var.project}-${var.environment}"
  # The partition (aws, aws-cn, ...) is the second field of every ARN, the caller's too.
  arn_prefix   = "arn:${split(":", data.aws_caller_identity.current.arn)[1]}"
  account_id   = data.aws_caller_identity.current.account_id
  boundary_arn = "${local.arn_prefix}:iam::${local.account_id}:policy/${local.name_prefix}-boundary"
  roles        = "${local.arn_prefix}:iam::${local.account_id}:role/${local.name_prefix}-*"
}

# The most any role of the environment may ever do, the deploy role's own included: its buckets,
# roles, Airflow environment, keys and Kafka. modules/iam puts it on every role, and it denies
# creating a role without it, taking it off a role, or changing it. So a role that rewrites its
# own policy (the deploy role may change the environment's roles, itself among them) still
# cannot reach beyond it. It lives here, outside the environment's configuration, because the
# deploy role must not be able to change it.
data "aws_iam_policy_document" "boundary" {
  statement {
    sid       = "EnvironmentBuckets"
    actions   = ["s3:*"]
    resources = ["${local.arn_prefix}:s3:::${local.name_prefix}-*", "${local.arn_prefix}:s3:::${local.name_prefix}-*/*"]
  }

  statement {
    sid       = "EnvironmentRoles"
    actions   = ["iam:*"]
    resources = [local.roles]
  }

  statement {
    sid       = "ReadGithubIdentityProvider"
    actions   = ["iam:GetOpenIDConnectProvider"]
    resources = ["${local.arn_prefix}:iam::${local.account_id}:oidc-provider/token.actions.githubusercontent.com"]
  }

  statement {
    sid     = "EnvironmentServices"
    actions = ["airflow:*", "kafka-cluster:*", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "logs:*", "sqs:*"]
    resources = [
      "${local.arn_prefix}:airflow:${var.aws_region}:${local.account_id}:environment/${local.name_prefix}-*",
      "${local.arn_prefix}:kafka:${var.aws_region}:${local.account_id}:*",
      "${local.arn_prefix}:kms:${var.aws_region}:${local.account_id}:key/*",
      "${local.arn_prefix}:logs:${var.aws_region}:${local.account_id}:log-group:airflow-${local.name_prefix}-*",
      "${local.arn_prefix}:sqs:${var.aws_region}:*:airflow-celery-*",
    ]
  }

  statement {
    sid       = "NoRoleWithoutThisBoundary"
    effect    = "Deny"
    actions   = ["iam:CreateRole", "iam:PutRolePermissionsBoundary"]
    resources = ["*"]

    condition {
      test     = "StringNotEquals"
      variable = "iam:PermissionsBoundary"
      values   = [local.boundary_arn]
    }
  }

  statement {
    sid       = "NeverTakenOff"
    effect    = "Deny"
    actions   = ["iam:DeleteRolePermissionsBoundary"]
    resources = ["*"]
  }

  statement {
    sid       = "NeverChanged"
    effect    = "Deny"
    actions   = ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"]
    resources = [local.boundary_arn]
  }
}

resource "aws_iam_policy" "boundary" {
  name        = "${local.name_prefix}-boundary"
  description = "Permissions boundary of every role of ${local.name_prefix}: the most any of them may do."
  policy      = data.aws_iam_policy_document.boundary.json
}
