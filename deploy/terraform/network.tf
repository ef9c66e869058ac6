# No inbound rule at all: pgexport listens on nothing. Out: HTTPS to the AWS endpoints, and
# PostgreSQL to the database only. (Terraform removes the allow-all egress rule AWS adds.)
resource "aws_security_group" "this" {
  name_prefix = "${var.name}-"
  description = "pgexport task: no inbound; HTTPS to AWS endpoints and PostgreSQL to the database out"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_egress_rule" "https" {
  for_each          = toset(var.https_egress_cidr_blocks)
  security_group_id = aws_security_group.this.id
  description       = "HTTPS: S3, STS, ECR, CloudWatch Logs, Secrets Manager"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_egress_rule" "database" {
  security_group_id            = aws_security_group.this.id
  description                  = "PostgreSQL"
  ip_protocol                  = "tcp"
  from_port                    = var.database_port
  to_port                      = var.database_port
  referenced_security_group_id = var.database_security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "database_from_task" {
  count                        = var.add_database_ingress_rule ? 1 : 0
  security_group_id            = var.database_security_group_id
  description                  = "PostgreSQL from ${var.name}"
  ip_protocol                  = "tcp"
  from_port                    = var.database_port
  to_port                      = var.database_port
  referenced_security_group_id = aws_security_group.this.id
}
