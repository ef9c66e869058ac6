locals {
  bucket_arn        = "arn:${var.partition}:s3:::${var.bucket_name}"
  objects_arn       = "arn:${var.partition}:s3:::${var.bucket_name}/${var.bucket_prefix}/*"
  task_family_arn   = "arn:${var.partition}:ecs:${var.region}:${var.account_id}:task-definition/${var.name}:*"
  ecs_tasks_service = "ecs-tasks.amazonaws.com"
}

# ---- task role: what pgexport itself does ----------------------------------------------
# Exactly the actions behind the S3 requests pgexport sends (tests/deploy checks this list
# against the S3 client): objects only under the prefix, listings only of the prefix, and only
# in a bucket of the expected owner.

data "aws_iam_policy_document" "task_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = [local.ecs_tasks_service]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${var.partition}:ecs:${var.region}:${var.account_id}:*"]
    }
  }
}

data "aws_iam_policy_document" "task" {
  # PutObject also covers CreateMultipartUpload, UploadPart and CompleteMultipartUpload;
  # GetObject also covers HeadObject; DeleteObject also covers DeleteObjects.
  statement {
    sid       = "ObjectsUnderThePrefix"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = [local.objects_arn]
    condition {
      test     = "StringEquals"
      variable = "s3:ResourceAccount"
      values   = [var.bucket_owner_account_id]
    }
  }
  # ListObjectsV2 and HeadBucket; pgexport always lists with a prefix under its own.
  statement {
    sid       = "ListOnlyThePrefix"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.bucket_prefix}/*"]
    }
    condition {
      test     = "StringEquals"
      variable = "s3:ResourceAccount"
      values   = [var.bucket_owner_account_id]
    }
  }
  # ListMultipartUploads: the prefix is checked where S3 puts it in the request context
  # (IfExists, so that the grant does not silently fail where it does not).
  statement {
    sid       = "ListUploadsOnlyUnderThePrefix"
    actions   = ["s3:ListBucketMultipartUploads"]
    resources = [local.bucket_arn]
    condition {
      test     = "StringLikeIfExists"
      variable = "s3:prefix"
      values   = ["${var.bucket_prefix}/*"]
    }
    condition {
      test     = "StringEquals"
      variable = "s3:ResourceAccount"
      values   = [var.bucket_owner_account_id]
    }
  }
  # SSE-KMS: S3 asks KMS for a data key on every write, and to decrypt it when reading and
  # when completing a multipart upload. Only through S3.
  statement {
    sid       = "KeyForServerSideEncryption"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [var.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${var.region}.amazonaws.com"]
    }
  }
  # Logging in to RDS with an IAM token instead of a password.
  dynamic "statement" {
    for_each = var.rds_iam_database == null ? [] : [var.rds_iam_database]
    content {
      sid       = "ConnectAsTheDatabaseUser"
      actions   = ["rds-db:connect"]
      resources = ["arn:${var.partition}:rds-db:${var.region}:${var.account_id}:dbuser:${statement.value.resource_id}/${statement.value.user}"]
    }
  }
  # --assume-role: a role of the bucket's account that pgexport assumes on top of this one.
  dynamic "statement" {
    for_each = var.assume_role_arn == null ? [] : [var.assume_role_arn]
    content {
      sid       = "AssumeTheBucketRole"
      actions   = ["sts:AssumeRole"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role" "task" {
  name                 = "${var.name}-task"
  assume_role_policy   = data.aws_iam_policy_document.task_trust.json
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy" "task" {
  name   = "${var.name}-task"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

# ---- execution role: what ECS does to start the task -----------------------------------

data "aws_iam_policy_document" "execution" {
  # The registry login token cannot be scoped to a repository.
  statement {
    sid       = "RegistryLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
  statement {
    sid       = "PullTheImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
    resources = [var.ecr_repository_arn]
  }
  statement {
    sid       = "WriteTheLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }
  statement {
    sid       = "ReadTheDatabaseSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.database_secret_arn]
  }
  dynamic "statement" {
    for_each = var.database_secret_kms_key_arn == null ? [] : [var.database_secret_kms_key_arn]
    content {
      sid       = "DecryptTheDatabaseSecret"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${var.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.name}-execution"
  assume_role_policy = data.aws_iam_policy_document.task_trust.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "execution" {
  name   = "${var.name}-execution"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# ---- scheduler role: what EventBridge Scheduler does to run the task --------------------

data "aws_iam_policy_document" "scheduler_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
  }
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    sid       = "RunTheTaskOnTheCluster"
    actions   = ["ecs:RunTask"]
    resources = [local.task_family_arn]
    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [var.cluster_arn]
    }
  }
  statement {
    sid       = "HandTheRolesToTheTask"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.task.arn, aws_iam_role.execution.arn]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = [local.ecs_tasks_service]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${var.name}-scheduler"
  assume_role_policy = data.aws_iam_policy_document.scheduler_trust.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "${var.name}-scheduler"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}
