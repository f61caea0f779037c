# Orchestration: the bucket Airflow reads DAGs and plugins from, its execution role and,
# on real AWS when asked for, a managed Airflow environment (MWAA).

data "aws_caller_identity" "current" {}

locals {
  name_prefix      = "${var.project}-${var.environment}"
  environment_name = "${local.name_prefix}-airflow"
  # The partition (aws, aws-cn, ...) is the second field of every ARN, the caller's too.
  arn_prefix = "arn:${split(":", data.aws_caller_identity.current.arn)[1]}"
  account_id = data.aws_caller_identity.current.account_id
}

module "dag_bucket" {
  source = "../s3_bucket"

  bucket_name   = "${local.name_prefix}-airflow"
  kms_key_arn   = var.kms_key_arn
  force_destroy = var.force_destroy
  require_tls   = var.require_tls
  tags          = var.tags
}

data "aws_iam_policy_document" "execution_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["airflow.amazonaws.com", "airflow-env.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# The permissions MWAA documents for an execution role, scoped to this environment.
data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "ReportMetrics"
    actions   = ["airflow:PublishMetrics"]
    resources = ["${local.arn_prefix}:airflow:${var.region}:${local.account_id}:environment/${local.environment_name}"]
  }

  statement {
    sid       = "ListDagBucket"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketPublicAccessBlock"]
    resources = [module.dag_bucket.arn]
  }

  statement {
    sid       = "ReadDagsAndReleases"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${module.dag_bucket.arn}/*", "${var.artifacts_bucket_arn}/${var.release_prefix}*"]
  }

  statement {
    sid = "WriteTaskLogs"
    actions = [
      "logs:CreateLogStream", "logs:CreateLogGroup", "logs:PutLogEvents", "logs:GetLogEvents",
      "logs:GetLogRecord", "logs:GetLogGroupFields", "logs:GetQueryResults", "logs:DescribeLogGroups",
    ]
    resources = ["${local.arn_prefix}:logs:${var.region}:${local.account_id}:log-group:airflow-${local.environment_name}-*"]
  }

  statement {
    sid = "UseCeleryQueue"
    actions = [
      "sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl",
      "sqs:ReceiveMessage", "sqs:SendMessage",
    ]
    resources = ["${local.arn_prefix}:sqs:${var.region}:*:airflow-celery-*"]
  }

  dynamic "statement" {
    for_each = length(var.job_role_arns) > 0 ? [var.job_role_arns] : []
    content {
      sid       = "HandJobRolesToServices"
      actions   = ["iam:PassRole"]
      resources = statement.value
    }
  }

  dynamic "statement" {
    for_each = var.kms_key_arn != null ? [var.kms_key_arn] : []
    content {
      sid       = "UseBucketKey"
      actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:Encrypt"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role" "execution" {
  name                 = "${local.name_prefix}-airflow-execution"
  description          = "Execution role of the ${var.environment} Airflow environment."
  assume_role_policy   = data.aws_iam_policy_document.execution_trust.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "execution" {
  name   = "${local.name_prefix}-airflow-execution-access"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_mwaa_environment" "this" {
  count = var.enable_mwaa ? 1 : 0

  name               = local.environment_name
  airflow_version    = var.mwaa_airflow_version
  environment_class  = var.mwaa_environment_class
  execution_role_arn = aws_iam_role.execution.arn
  source_bucket_arn  = module.dag_bucket.arn
  dag_s3_path        = "dags/"
  kms_key            = var.kms_key_arn
  tags               = var.tags

  network_configuration {
    subnet_ids         = var.mwaa_subnet_ids
    security_group_ids = var.mwaa_security_group_ids
  }

  logging_configuration {
    dag_processing_logs {
      enabled   = true
      log_level = "WARNING"
    }
    scheduler_logs {
      enabled   = true
      log_level = "WARNING"
    }
    task_logs {
      enabled   = true
      log_level = "INFO"
    }
    webserver_logs {
      enabled   = true
      log_level = "WARNING"
    }
    worker_logs {
      enabled   = true
      log_level = "WARNING"
    }
  }

  lifecycle {
    precondition {
      condition     = var.mwaa_airflow_version != null
      error_message = "enable_mwaa needs mwaa_airflow_version (a version MWAA offers in this region)."
    }
    precondition {
      condition     = length(var.mwaa_subnet_ids) == 2 && length(var.mwaa_security_group_ids) > 0
      error_message = "enable_mwaa needs two private mwaa_subnet_ids and at least one mwaa_security_group_ids."
    }
  }
}
