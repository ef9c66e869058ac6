locals {
  # pgexport's settings: every name is an option of docs/configuration.md (tests/deploy checks).
  pgexport_environment = merge(
    {
      PGEXPORT_SOURCE                = var.database_connection
      PGEXPORT_DESTINATION           = "s3://${var.bucket_name}/${var.bucket_prefix}"
      PGEXPORT_S3_REGION             = var.region
      PGEXPORT_S3_FIPS               = tostring(var.s3_fips)
      PGEXPORT_SSE                   = "aws:kms"
      PGEXPORT_SSE_KMS_KEY_ID        = var.kms_key_arn
      PGEXPORT_EXPECTED_BUCKET_OWNER = var.bucket_owner_account_id
      PGEXPORT_JOBS                  = tostring(var.jobs)
      PGEXPORT_MEMORY_LIMIT          = "${var.memory_limit_mib}MiB"
      PGEXPORT_CLEANUP_TIMEOUT       = "${var.cleanup_timeout_seconds}s"
      PGEXPORT_LOG_FORMAT            = "json"
    },
    var.object_acl == null ? {} : { PGEXPORT_ACL = var.object_acl },
    # IAM login: every session gets an RDS IAM token instead of the PGPASSWORD secret.
    var.rds_iam_database == null ? {} : { PGEXPORT_RDS_IAM = "true" },
    var.environment,
  )
  password_secret = var.database_secret_json_key == "" ? var.database_secret_arn : "${var.database_secret_arn}:${var.database_secret_json_key}::"
}

resource "aws_ecs_task_definition" "this" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = tostring(var.cpu)
  memory                   = tostring(var.memory)
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }
  container_definitions = jsonencode([
    {
      name                   = var.name
      image                  = var.image
      essential              = true
      command                = var.command
      user                   = "10001:10001"
      readonlyRootFilesystem = true
      privileged             = false
      linuxParameters        = { capabilities = { drop = ["ALL"] } }
      # SIGTERM, then cleanup within --cleanup-timeout, then SIGKILL after this many seconds.
      stopTimeout = var.stop_timeout_seconds
      environment = [for name in sort(keys(local.pgexport_environment)) : { name = name, value = local.pgexport_environment[name] }]
      secrets     = var.rds_iam_database == null ? [{ name = "PGPASSWORD", valueFrom = local.password_secret }] : []
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.this.name
          awslogs-region        = var.region
          awslogs-stream-prefix = var.name
          mode                  = "blocking"
        }
      }
    }
  ])
  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.stop_timeout_seconds >= var.cleanup_timeout_seconds + 10
      error_message = "stop_timeout_seconds must be at least cleanup_timeout_seconds + 10, so that cleanup after SIGTERM ends before SIGKILL."
    }
    precondition {
      condition     = var.memory >= var.memory_limit_mib + 512
      error_message = "memory must be at least memory_limit_mib + 512 MiB (docs/operations.md, Sizing)."
    }
  }
}
