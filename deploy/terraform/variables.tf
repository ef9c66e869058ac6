variable "name" {
  description = "Name of the task definition family, roles, log group and schedule."
  type        = string
  default     = "pgexport"
}

variable "partition" {
  description = "AWS partition of every ARN: aws-us-gov in GovCloud, aws elsewhere."
  type        = string
  default     = "aws-us-gov"
  validation {
    condition     = contains(["aws", "aws-us-gov", "aws-cn"], var.partition)
    error_message = "partition must be aws, aws-us-gov or aws-cn."
  }
}

variable "region" {
  description = "Region of the task, its logs and the bucket, e.g. us-gov-west-1."
  type        = string
}

variable "account_id" {
  description = "Account that runs the task (owns the roles, the cluster and the log group)."
  type        = string
}

variable "cluster_arn" {
  description = "ECS cluster the schedule runs the task on."
  type        = string
}

variable "image" {
  description = "Image built from deploy/Dockerfile, pinned by digest: <registry>/pgexport@sha256:..."
  type        = string
}

variable "ecr_repository_arn" {
  description = "ECR repository of the image, for the execution role's pull permission."
  type        = string
}

variable "command" {
  description = "pgexport's arguments: the command and any options not given as environment variables."
  type        = list(string)
  default     = ["export"]
}

variable "schedule_expression" {
  description = "When to run: cron(...) or rate(...) in EventBridge Scheduler syntax."
  type        = string
  default     = "cron(0 6 * * ? *)"
}

variable "schedule_timezone" {
  description = "Time zone of schedule_expression."
  type        = string
  default     = "UTC"
}

variable "vpc_id" {
  description = "VPC of the task's security group."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets the task runs in (no public IP is assigned)."
  type        = list(string)
}

variable "database_port" {
  description = "PostgreSQL port the security group lets the task reach."
  type        = number
  default     = 5432
}

variable "database_security_group_id" {
  description = "Security group of the database; the task may reach it on database_port only."
  type        = string
}

variable "https_egress_cidr_blocks" {
  description = "Where HTTPS may go: S3, STS, ECR, CloudWatch Logs and Secrets Manager (their VPC endpoints, or the NAT gateway's way out)."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "bucket_name" {
  description = "The warehouse's bucket (in another account)."
  type        = string
}

variable "bucket_prefix" {
  description = "Prefix under which pgexport writes, without leading or trailing slash, e.g. pgexport/app."
  type        = string
  validation {
    condition     = length(var.bucket_prefix) > 0 && !startswith(var.bucket_prefix, "/") && !endswith(var.bucket_prefix, "/")
    error_message = "bucket_prefix must be non-empty, without a leading or trailing slash."
  }
}

variable "bucket_owner_account_id" {
  description = "Account that owns the bucket; every request checks it (--expected-bucket-owner)."
  type        = string
}

variable "s3_fips" {
  description = "Use S3's FIPS 140 endpoints (--s3-fips); GovCloud has them in both regions."
  type        = bool
  default     = true
}

variable "object_acl" {
  description = "Canned ACL on every object (--acl). bucket-owner-full-control works whatever the bucket's Object Ownership; null sends none (enough under BucketOwnerEnforced)."
  type        = string
  default     = "bucket-owner-full-control"
}

variable "add_database_ingress_rule" {
  description = "Add the rule to the database's security group that lets this task in on database_port."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "KMS key the bucket encrypts with (SSE-KMS); the task role may generate data keys and decrypt with it."
  type        = string
}

variable "database_connection" {
  description = "libpq connection string without a password, e.g. host=... dbname=... user=... sslmode=verify-full sslrootcert=/etc/pgexport/certs/rds-ca.pem"
  type        = string
  validation {
    condition     = !can(regex("password", var.database_connection))
    error_message = "database_connection must not hold a password: the password comes from database_secret_arn."
  }
}

variable "database_secret_arn" {
  description = "Secrets Manager secret holding the database password: a plain string, or JSON with a password key (RDS-managed secrets)."
  type        = string
}

variable "database_secret_json_key" {
  description = "The JSON key of the password inside the secret; empty when the secret is the password itself."
  type        = string
  default     = "password"
}

variable "database_secret_kms_key_arn" {
  description = "Customer managed KMS key of the secret, if it has one (the execution role must decrypt it); null for the AWS managed key."
  type        = string
  default     = null
}

variable "rds_iam_database" {
  description = "For RDS IAM authentication instead of a password: the DB instance's or cluster's resource id (db-... or cluster-...) and the database user. Grants rds-db:connect, drops the PGPASSWORD secret and sets PGEXPORT_RDS_IAM=true (--rds-iam). null: password login."
  type = object({
    resource_id = string
    user        = string
  })
  default = null
}

variable "assume_role_arn" {
  description = "Role in the bucket's account that pgexport assumes (--assume-role), if the bucket grants a role of its own rather than this task role. null: no sts:AssumeRole grant."
  type        = string
  default     = null
}

variable "environment" {
  description = "More PGEXPORT_* settings for the container (docs/configuration.md), e.g. { PGEXPORT_FORMAT = \"parquet\" }."
  type        = map(string)
  default     = {}
  validation {
    condition     = alltrue([for name in keys(var.environment) : startswith(name, "PGEXPORT_")])
    error_message = "environment holds PGEXPORT_* variables only."
  }
}

variable "cpu" {
  description = "Task CPU units (1024 = 1 vCPU); see docs/operations.md, Sizing."
  type        = number
  default     = 1024
}

variable "memory" {
  description = "Task memory in MiB; at least memory_limit_mib + 512 (docs/operations.md, Sizing)."
  type        = number
  default     = 2048
}

variable "memory_limit_mib" {
  description = "pgexport's --memory-limit in MiB: the buffers of all workers together."
  type        = number
  default     = 1024
  validation {
    condition     = var.memory_limit_mib >= 64
    error_message = "memory_limit_mib must be at least 64."
  }
}

variable "jobs" {
  description = "pgexport's --jobs: parallel database connections."
  type        = number
  default     = 2
}

variable "cleanup_timeout_seconds" {
  description = "pgexport's --cleanup-timeout: after SIGTERM, how long removing the partial run may take."
  type        = number
  default     = 50
}

variable "stop_timeout_seconds" {
  description = "ECS stopTimeout: SIGTERM to SIGKILL. At most 120 on Fargate, and at least cleanup_timeout_seconds + 10."
  type        = number
  default     = 60
  validation {
    condition     = var.stop_timeout_seconds >= 2 && var.stop_timeout_seconds <= 120
    error_message = "stop_timeout_seconds must be between 2 and 120 (Fargate's limit)."
  }
}

variable "log_retention_days" {
  description = "How long CloudWatch keeps the task's logs."
  type        = number
  default     = 400
}

variable "log_kms_key_arn" {
  description = "KMS key that encrypts the log group; null: CloudWatch's own encryption."
  type        = string
  default     = null
}

variable "alarm_topic_arn" {
  description = "SNS topic for failed and missing runs; null: no alarms."
  type        = string
  default     = null
}

variable "missing_run_hours" {
  description = "The missing-run alarm fires when no run has succeeded for this many hours: the schedule's interval plus the longest run (26 for a daily export of up to 2 hours)."
  type        = number
  default     = 26
  validation {
    condition     = var.missing_run_hours >= 1 && var.missing_run_hours <= 168
    error_message = "missing_run_hours must be between 1 and 168 (CloudWatch evaluates at most 7 days)."
  }
}

variable "success_log_pattern" {
  description = "CloudWatch Logs filter pattern of the line a successful run logs (JSON logs): export and cdc init log \"export committed\"; for cdc run use \"Shipped\", the line it prints at the end of every successful run."
  type        = string
  default     = "{ $.level = \"info\" && $.message = \"export committed\" }"
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
