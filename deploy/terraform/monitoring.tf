# Two alarms, both to alarm_topic_arn: a run that ended with a non-zero exit code (or never
# started), and no successful run for missing_run_hours. The topic's policy must let
# events.amazonaws.com and cloudwatch.amazonaws.com publish.

resource "aws_cloudwatch_event_rule" "failed_run" {
  count       = var.alarm_topic_arn == null ? 0 : 1
  name        = "${var.name}-failed-run"
  description = "A ${var.name} task stopped with a non-zero exit code, or failed to start"
  event_pattern = jsonencode({
    source        = ["aws.ecs"]
    "detail-type" = ["ECS Task State Change"]
    detail = {
      clusterArn        = [var.cluster_arn]
      lastStatus        = ["STOPPED"]
      taskDefinitionArn = [{ prefix = "arn:${var.partition}:ecs:${var.region}:${var.account_id}:task-definition/${var.name}:" }]
      "$or" = [
        { containers = { exitCode = [{ "anything-but" = 0 }] } },
        { stopCode = ["TaskFailedToStart"] },
      ]
    }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "failed_run" {
  count = var.alarm_topic_arn == null ? 0 : 1
  rule  = aws_cloudwatch_event_rule.failed_run[0].name
  arn   = var.alarm_topic_arn
}

resource "aws_cloudwatch_log_metric_filter" "successful_run" {
  name           = "${var.name}-successful-run"
  log_group_name = aws_cloudwatch_log_group.this.name
  pattern        = var.success_log_pattern
  metric_transformation {
    name      = "SuccessfulRuns"
    namespace = "pgexport/${var.name}"
    value     = "1"
    unit      = "Count"
  }
}

resource "aws_cloudwatch_metric_alarm" "missing_run" {
  count               = var.alarm_topic_arn == null ? 0 : 1
  alarm_name          = "${var.name}-missing-run"
  alarm_description   = "No ${var.name} run has succeeded for ${var.missing_run_hours} hours (docs/operations.md, Monitoring)"
  namespace           = "pgexport/${var.name}"
  metric_name         = "SuccessfulRuns"
  statistic           = "Sum"
  period              = 3600
  evaluation_periods  = var.missing_run_hours
  datapoints_to_alarm = var.missing_run_hours
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  # An hour without a success line has no data point: that counts as "no success".
  treat_missing_data = "breaching"
  alarm_actions      = [var.alarm_topic_arn]
  ok_actions         = [var.alarm_topic_arn]
  tags               = var.tags
}
