output "task_definition_arn" {
  description = "The task definition (with revision) the schedule runs."
  value       = aws_ecs_task_definition.this.arn
}

output "task_role_arn" {
  description = "The role pgexport runs as: the principal of the warehouse's bucket policy and key policy."
  value       = aws_iam_role.task.arn
}

output "execution_role_arn" {
  description = "The role ECS uses to pull the image, write logs and read the secret."
  value       = aws_iam_role.execution.arn
}

output "security_group_id" {
  description = "The task's security group (egress only)."
  value       = aws_security_group.this.id
}

output "log_group_name" {
  description = "Where the task's logs go."
  value       = aws_cloudwatch_log_group.this.name
}

output "schedule_arn" {
  description = "The EventBridge Scheduler schedule."
  value       = aws_scheduler_schedule.this.arn
}
