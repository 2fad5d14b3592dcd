locals {
  name     = "ferry-${var.environment}"
  emulated = var.aws_endpoint_url != null
  rehearse = var.rehearse != null ? var.rehearse : var.environment == "prod"

  # Repository layout: this example is terraform/examples/aurora-postgresql.
  repo_root     = abspath("${path.module}/../../..")
  run_migration = "${path.module}/../../../ecs/run-migration"

  # Every file under db/ (migrations and test data), names included so a rename counts too.
  db_dir  = "${local.repo_root}/db"
  db_hash = sha1(join("\n", [for f in sort(tolist(fileset(local.db_dir, "**"))) : "${f}:${filemd5("${local.db_dir}/${f}")}"]))

  # One image for every environment: the repository this environment creates, or the one `image_repository` names
  # (the repository another environment's apply created, in this account or another).
  image_repository = var.create_ecr_repository && var.image_repository == null ? module.ferry.ecr_repository_url : var.image_repository
  image            = "${local.image_repository}@${var.image_digest}"

  vpc_id     = var.vpc_id != null ? var.vpc_id : aws_vpc.this[0].id
  subnet_ids = var.vpc_id != null ? var.subnet_ids : aws_subnet.private[*].id
  vpc_cidr   = var.vpc_id != null ? data.aws_vpc.existing[0].cidr_block : aws_vpc.this[0].cidr_block

  interface_endpoints = local.create_vpc && var.create_vpc_endpoints ? toset(["ecr.api", "ecr.dkr", "logs", "secretsmanager", "rds", "sts"]) : toset([])
  create_vpc          = var.vpc_id == null
}

provider "aws" {
  region = var.region

  # Tests point every service at moto_server on loopback; real runs use the default credential chain.
  access_key                  = local.emulated ? "test" : null
  secret_key                  = local.emulated ? "test" : null
  skip_credentials_validation = local.emulated
  skip_requesting_account_id  = local.emulated
  skip_metadata_api_check     = local.emulated

  dynamic "endpoints" {
    for_each = local.emulated ? [var.aws_endpoint_url] : []
    content {
      ec2            = endpoints.value
      ecr            = endpoints.value
      ecs            = endpoints.value
      iam            = endpoints.value
      kms            = endpoints.value
      logs           = endpoints.value
      rds            = endpoints.value
      secretsmanager = endpoints.value
      sts            = endpoints.value
    }
  }

  default_tags {
    tags = var.tags
  }
}

################################################################################
# Network: a VPC of its own (or an existing one)
################################################################################

data "aws_availability_zones" "available" {
  count = local.create_vpc ? 1 : 0
  state = "available"
}

data "aws_vpc" "existing" {
  count = local.create_vpc ? 0 : 1
  id    = var.vpc_id
}

resource "aws_vpc" "this" {
  count = local.create_vpc ? 1 : 0

  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true # awsvpc tasks and private endpoint DNS need it

  tags = { Name = local.name }
}

resource "aws_subnet" "private" {
  count = local.create_vpc ? 2 : 0

  vpc_id            = aws_vpc.this[0].id
  cidr_block        = cidrsubnet(var.vpc_cidr, 8, count.index)
  availability_zone = data.aws_availability_zones.available[0].names[count.index]

  tags = { Name = "${local.name}-private-${count.index}" }
}

resource "aws_route_table" "private" {
  count  = local.create_vpc ? 1 : 0
  vpc_id = aws_vpc.this[0].id

  tags = { Name = "${local.name}-private" }
}

resource "aws_route_table_association" "private" {
  count = local.create_vpc ? 2 : 0

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[0].id
}

# No NAT gateway: the task reaches AWS APIs through VPC endpoints.
resource "aws_security_group" "endpoints" {
  count = length(local.interface_endpoints) > 0 ? 1 : 0

  name_prefix = "${local.name}-endpoints-"
  description = "VPC interface endpoints of ${local.name}"
  vpc_id      = local.vpc_id

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_https" {
  count = length(local.interface_endpoints) > 0 ? 1 : 0

  security_group_id = aws_security_group.endpoints[0].id
  description       = "HTTPS from the VPC"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = local.vpc_cidr
}

resource "aws_vpc_endpoint" "interface" {
  for_each = local.interface_endpoints

  vpc_id              = local.vpc_id
  service_name        = "com.amazonaws.${var.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = local.subnet_ids
  security_group_ids  = [aws_security_group.endpoints[0].id]

  tags = { Name = "${local.name}-${each.key}" }
}

# ECR image layers come from S3.
resource "aws_vpc_endpoint" "s3" {
  count = local.create_vpc && var.create_vpc_endpoints ? 1 : 0

  vpc_id            = local.vpc_id
  service_name      = "com.amazonaws.${var.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = aws_route_table.private[*].id

  tags = { Name = "${local.name}-s3" }
}

################################################################################
# ECS cluster
################################################################################

resource "aws_ecs_cluster" "this" {
  name = local.name

  setting {
    name  = "containerInsights"
    value = "disabled"
  }

  lifecycle {
    # One state per environment: in a workspace named after another environment this is the wrong state.
    precondition {
      condition     = terraform.workspace == "default" || terraform.workspace == var.environment
      error_message = "This is workspace \"${terraform.workspace}\", but environment = \"${var.environment}\": select the environment's own workspace (terraform workspace select ${var.environment}) or pass its variables."
    }
  }
}

################################################################################
# Aurora PostgreSQL with an RDS-managed master secret
################################################################################

resource "aws_db_subnet_group" "this" {
  name_prefix = "${local.name}-"
  description = "Subnets of ${local.name}"
  subnet_ids  = local.subnet_ids
}

resource "aws_security_group" "db" {
  name_prefix = "${local.name}-db-"
  description = "Aurora PostgreSQL ${local.name}"
  vpc_id      = local.vpc_id

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_rds_cluster" "this" {
  cluster_identifier = local.name
  engine             = "aurora-postgresql"
  engine_version     = var.engine_version
  database_name      = var.database_name
  port               = var.db_port

  master_username             = var.master_username
  manage_master_user_password = true # RDS keeps the admin password in Secrets Manager and rotates it

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.db.id]

  storage_encrypted         = true
  backup_retention_period   = 7
  copy_tags_to_snapshot     = true
  skip_final_snapshot       = var.skip_final_snapshot
  final_snapshot_identifier = var.skip_final_snapshot ? null : "${local.name}-final"
  deletion_protection       = var.deletion_protection
  apply_immediately         = true
}

resource "aws_rds_cluster_instance" "this" {
  identifier         = "${local.name}-1"
  cluster_identifier = aws_rds_cluster.this.id
  engine             = aws_rds_cluster.this.engine
  engine_version     = aws_rds_cluster.this.engine_version
  instance_class     = var.instance_class

  db_subnet_group_name = aws_db_subnet_group.this.name
  apply_immediately    = true
}

################################################################################
# The API user's secret: its password never enters plan or state
################################################################################

ephemeral "aws_secretsmanager_random_password" "api_db" {
  password_length     = 32
  exclude_punctuation = true # it lands in SQL literals and JDBC URLs
}

resource "aws_secretsmanager_secret" "api_db" {
  name_prefix             = "${local.name}/api-db-"
  description             = "Credentials of the API database user of ${local.name} (created by Ferry's migrations)"
  recovery_window_in_days = var.secret_recovery_window_in_days
}

resource "aws_secretsmanager_secret_version" "api_db" {
  secret_id = aws_secretsmanager_secret.api_db.id
  secret_string_wo = jsonencode({
    username = var.api_db_username
    password = ephemeral.aws_secretsmanager_random_password.api_db.random_password
  })
  # Bump to write a new random password (then rerun the migration that sets it).
  secret_string_wo_version = 1
}

################################################################################
# Ferry
################################################################################

module "ferry" {
  source = "../.."

  name        = local.name
  environment = var.environment
  image       = local.image

  db_secret_arn        = aws_rds_cluster.this.master_user_secret[0].secret_arn
  placeholder_secrets  = { api_db = aws_secretsmanager_secret.api_db.arn }
  snapshot_cluster_arn = aws_rds_cluster.this.arn
  # Production's migrations are rehearsed on a clone of production first (on for prod unless `rehearse` says).
  rehearsal_cluster_arn = local.rehearse ? aws_rds_cluster.this.arn : null
  rehearsal_lock_budget = var.rehearsal_lock_budget
  # Production refuses to migrate over changes made by hand; other environments report them.
  drift = length(regexall("(?i)prod", var.environment)) > 0 ? "fail" : "warn"

  # The RDS-managed master secret holds only username and password: host, port and database come from here.
  db_host               = aws_rds_cluster.this.endpoint
  db_name               = var.database_name
  environment_variables = var.ferry_environment_variables
  secrets               = var.ferry_secrets

  vpc_id                       = local.vpc_id
  db_security_group_id         = aws_security_group.db.id
  db_port                      = var.db_port
  create_db_ingress_rule       = true
  https_egress_cidr_blocks     = local.create_vpc && var.create_vpc_endpoints ? [local.vpc_cidr] : ["0.0.0.0/0"]
  https_egress_prefix_list_ids = local.create_vpc && var.create_vpc_endpoints ? [aws_vpc_endpoint.s3[0].prefix_list_id] : []

  create_ecr_repository      = var.create_ecr_repository
  ecr_repository_name        = var.ecr_repository_name
  ecr_repository_read_access = var.ecr_repository_read_access
  ecr_force_delete           = var.ecr_force_delete
  log_retention_in_days      = var.log_retention_in_days
}

################################################################################
# The migration: runs on the first apply, and again when the image or db/ changes
################################################################################

resource "terraform_data" "migration" {
  count = var.run_migration ? 1 : 0

  triggers_replace = [var.image_digest, local.db_hash]

  input = {
    image_digest    = var.image_digest
    db_hash         = local.db_hash
    task_definition = module.ferry.task_definition_arn
  }

  provisioner "local-exec" {
    command = join(" ", concat(
      [
        format("%q", local.run_migration),
        "--cluster", format("%q", aws_ecs_cluster.this.name),
        "--task-definition", format("%q", module.ferry.task_definition_arn),
        "--subnets", format("%q", join(",", local.subnet_ids)),
        "--security-groups", format("%q", module.ferry.security_group_id),
        "--container", format("%q", module.ferry.container_name),
        "--timeout", tostring(var.migration_timeout),
      ],
      local.emulated ? ["--endpoint-url", format("%q", var.aws_endpoint_url)] : [],
    ))

    environment = merge(
      { AWS_REGION = var.region, AWS_DEFAULT_REGION = var.region },
      local.emulated ? { AWS_ENDPOINT_URL = var.aws_endpoint_url, AWS_ACCESS_KEY_ID = "test", AWS_SECRET_ACCESS_KEY = "test" } : {},
    )
  }

  # The database, its secrets and the network path must exist before the task runs.
  depends_on = [
    aws_rds_cluster_instance.this,
    aws_secretsmanager_secret_version.api_db,
    aws_vpc_endpoint.interface,
    aws_vpc_endpoint.s3,
    aws_route_table_association.private,
  ]
}

################################################################################
# The role GitHub Actions assumes (deploy.yml, migrate.yml): push the image, register a revision with it, run it
################################################################################

locals {
  # arn:<partition>:ecs:<region>:<account>:task-definition/<family>:* (every revision of Ferry's family)
  family_revisions_arn = "${join(":", slice(split(":", module.ferry.task_definition_arn), 0, 5))}:task-definition/${module.ferry.task_definition_family}:*"
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.github_repository != null && var.github_oidc_provider_arn == null ? 1 : 0

  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_policy_document" "deploy_assume" {
  count = var.github_repository != null ? 1 : 0

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [coalesce(var.github_oidc_provider_arn, try(aws_iam_openid_connect_provider.github[0].arn, null))]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    # The migrate job runs in the GitHub environment of this name, the plan before its approval in
    # <name>-plan (no reviewers: plan-environment.yml); the image job runs on main, in no environment, with the
    # role of the environment that holds the repository (only that role may be assumed outside an environment).
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values = concat([
        "repo:${var.github_repository}:environment:${var.environment}",
        "repo:${var.github_repository}:environment:${var.environment}-plan",
      ], var.create_ecr_repository ? ["repo:${var.github_repository}:ref:refs/heads/main"] : [])
    }
  }
}

resource "aws_iam_role" "deploy" {
  count = var.github_repository != null ? 1 : 0

  name_prefix        = "${local.name}-deploy-"
  description        = "Assumed by ${var.github_repository}'s workflows: push Ferry's image, register a revision with it, run it"
  assume_role_policy = data.aws_iam_policy_document.deploy_assume[0].json
}

data "aws_iam_policy_document" "deploy" {
  count = var.github_repository != null ? 1 : 0

  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  # deploy.yml's image job pushes with the role of the environment that holds the repository.
  dynamic "statement" {
    for_each = var.create_ecr_repository ? [1] : []
    content {
      sid = "EcrPush"
      actions = [
        "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload", "ecr:InitiateLayerUpload",
        "ecr:PutImage", "ecr:UploadLayerPart",
      ]
      resources = [module.ferry.ecr_repository_arn]
    }
  }

  # ecs/register-revision: read the current revision, register the next one (these take no resource) with the
  # family's tags.
  statement {
    sid       = "TaskDefinitionRevisions"
    actions   = ["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"]
    resources = ["*"]
  }

  statement {
    sid       = "TagNewRevisions"
    actions   = ["ecs:TagResource"]
    resources = [local.family_revisions_arn]

    condition {
      test     = "StringEquals"
      variable = "ecs:CreateAction"
      values   = ["RegisterTaskDefinition"]
    }
  }

  # ecs/run-migration: run the family's revisions in this cluster, follow and stop the task, read its log.
  statement {
    sid       = "RunTask"
    actions   = ["ecs:RunTask"]
    resources = [local.family_revisions_arn]

    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [aws_ecs_cluster.this.arn]
    }
  }

  statement {
    sid       = "FollowTask"
    actions   = ["ecs:DescribeTasks", "ecs:StopTask"]
    resources = ["*"]

    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [aws_ecs_cluster.this.arn]
    }
  }

  statement {
    sid       = "ReadTaskLog"
    actions   = ["logs:GetLogEvents"]
    resources = ["${module.ferry.log_group_arn}:*"]
  }

  statement {
    sid       = "PassTaskRoles"
    actions   = ["iam:PassRole"]
    resources = [module.ferry.task_role_arn, module.ferry.execution_role_arn]
  }
}

resource "aws_iam_role_policy" "deploy" {
  count = var.github_repository != null ? 1 : 0

  name   = "ferry-deploy"
  role   = aws_iam_role.deploy[0].id
  policy = data.aws_iam_policy_document.deploy[0].json
}
