# pgexport as an ECS scheduled task on Fargate: EventBridge Scheduler runs the task definition
# on a schedule, with a task role that may do exactly what pgexport does in S3 (and no more),
# an execution role for image pull, logs and the database secret, a log group and a security
# group with egress only. docs/operations.md explains every input; tests/deploy/ checks that
# every IAM action granted here is one pgexport's code needs.
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.30"
    }
  }
}
