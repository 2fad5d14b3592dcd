locals {
  container_name = "ferry"

  # Region and partition come from an ARN this module creates, so no data source
  # (and no provider-version-specific attribute) is needed.
  log_group_arn_parts = split(":", aws_cloudwatch_log_group.this.arn)
  partition           = local.log_group_arn_parts[1]
  region              = local.log_group_arn_parts[3]

  # The repository `image` names, when it is an ECR image (<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<name>
  # with a tag or digest): the execution role may pull from it, wherever it was created (one repository the pipeline
  # pushes to, pulled by every environment).
  image_ecr_parts = try(regex("^([0-9]{12})\\.dkr\\.ecr(?:-fips)?\\.([a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?/([^@:]+)", var.image), null)
  image_ecr_repository_arn = local.image_ecr_parts == null ? null : format(
    "arn:%s:ecr:%s:%s:repository/%s", local.partition, local.image_ecr_parts[1], local.image_ecr_parts[0], local.image_ecr_parts[2]
  )

  # Every repository the execution role may pull from: the created one, the one `image` names, `ecr_repository_arn`.
  ecr_pull_repository_arns = distinct(compact([
    try(aws_ecr_repository.this[0].arn, null),
    local.image_ecr_repository_arn,
    var.ecr_repository_arn,
  ]))

  # Other accounts' principals that may pull from the created repository: account IDs become the account's root.
  ecr_read_access_principals = [
    for p in var.ecr_repository_read_access : can(regex("^[0-9]{12}$", p)) ? "arn:${local.partition}:iam::${p}:root" : p
  ]

  # arn:aws:rds:region:account:cluster:id -> id, and its snapshots named ferry-*
  snapshot_cluster_id = var.snapshot_cluster_arn == null ? null : element(split(":", var.snapshot_cluster_arn), 6)
  snapshot_arns = var.snapshot_cluster_arn == null ? [] : [
    var.snapshot_cluster_arn,
    "${join(":", slice(split(":", var.snapshot_cluster_arn), 0, 5))}:cluster-snapshot:ferry-*",
  ]

  # arn:aws:rds:region:account:cluster:id -> id; the rehearsal's clones are named
  # ferry-rehearsal-<environment as Ferry writes it>-<timestamp>-<4 hex> and tagged ferry:rehearsal=true.
  rehearsal_cluster_id = var.rehearsal_cluster_arn == null ? null : element(split(":", var.rehearsal_cluster_arn), 6)
  rds_arn_prefix       = var.rehearsal_cluster_arn == null ? null : join(":", slice(split(":", var.rehearsal_cluster_arn), 0, 5))
  rehearsal_slug       = trim(substr(trim(replace(lower(var.environment), "/[^a-z0-9]+/", "-"), "-"), 0, 26), "-")
  rehearsal_clone_arns = var.rehearsal_cluster_arn == null ? [] : [
    "${local.rds_arn_prefix}:cluster:ferry-rehearsal-${local.rehearsal_slug}-*",
    "${local.rds_arn_prefix}:db:ferry-rehearsal-${local.rehearsal_slug}-*",
  ]

  # restore: Ferry's restored clusters and their writers are ferry-restore-<snapshot name without ferry->, tagged
  # ferry:restore=true; a swap renames the source and its instances to <name>-replaced-<timestamp>.
  restore_arn_prefix = var.snapshot_cluster_arn == null ? null : join(":", slice(split(":", var.snapshot_cluster_arn), 0, 5))
  restore_made_arns = var.restore_enabled ? [
    "${local.restore_arn_prefix}:cluster:ferry-restore-*",
    "${local.restore_arn_prefix}:db:ferry-restore-*",
  ] : []
  restore_swap = var.restore_enabled && length(var.restore_swap_instance_ids) > 0
  restore_swap_arns = local.restore_swap ? concat(
    [var.snapshot_cluster_arn, "${var.snapshot_cluster_arn}-replaced-*"],
    [for id in var.restore_swap_instance_ids : "${local.restore_arn_prefix}:db:${id}"],
    [for id in var.restore_swap_instance_ids : "${local.restore_arn_prefix}:db:${id}-replaced-*"],
  ) : []

  # Secrets the task itself reads (admin + placeholder secrets) ...
  task_secret_arns = distinct(concat([var.db_secret_arn], values(var.placeholder_secrets)))

  # ... and the ones ECS injects through the execution role. A valueFrom may carry
  # a ":json-key:version-stage:version-id" suffix: IAM wants the bare secret ARN.
  injected_secretsmanager_arns = distinct([
    for v in values(var.secrets) : join(":", slice(split(":", v), 0, 7)) if split(":", v)[2] == "secretsmanager"
  ])
  injected_ssm_arns = distinct([for v in values(var.secrets) : v if split(":", v)[2] == "ssm"])

  placeholder_secrets = join(",", [for prefix, arn in var.placeholder_secrets : "${prefix}=${arn}"])

  derived_environment = merge(
    {
      FERRY_ENVIRONMENT  = var.environment
      FERRY_DB_SECRET_ID = var.db_secret_arn
      FERRY_DRIFT        = var.drift
      FERRY_REHEARSE     = local.rehearsal_cluster_id != null ? "clone" : "off"
      AWS_REGION         = local.region
    },
    var.db_host != null ? { FERRY_DB_HOST = var.db_host, FERRY_DB_PORT = tostring(var.db_port) } : {},
    var.db_name != null ? { FERRY_DB_NAME = var.db_name } : {},
    length(var.placeholder_secrets) > 0 ? { FERRY_PLACEHOLDER_SECRETS = local.placeholder_secrets } : {},
    local.snapshot_cluster_id != null ? { FERRY_SNAPSHOT_CLUSTER_ID = local.snapshot_cluster_id } : {},
    local.rehearsal_cluster_id != null ? {
      FERRY_REHEARSAL_CLUSTER_ID     = local.rehearsal_cluster_id
      FERRY_REHEARSAL_INSTANCE_CLASS = var.rehearsal_instance_class
      FERRY_REHEARSAL_LOCK_BUDGET    = var.rehearsal_lock_budget
    } : {},
  )

  container_environment = merge({ FERRY_LOG_FORMAT = "json" }, var.environment_variables, local.derived_environment)

  container_definition = merge(var.container_user == null ? {} : { user = var.container_user }, {
    name                   = local.container_name
    image                  = var.image
    essential              = true
    cpu                    = var.cpu
    memory                 = var.memory
    readonlyRootFilesystem = true

    environment = [for k, v in local.container_environment : { name = k, value = v }]
    secrets     = [for k, v in var.secrets : { name = k, valueFrom = v }]

    # The root filesystem is read-only: the JVM and the run report need a writable /tmp.
    mountPoints = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]

    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.this.name
        awslogs-region        = local.region
        awslogs-stream-prefix = "ferry"
      }
    }
  })
}

################################################################################
# ECR repository
################################################################################

resource "aws_ecr_repository" "this" {
  count = var.create_ecr_repository ? 1 : 0

  name                 = coalesce(var.ecr_repository_name, var.name)
  image_tag_mutability = var.ecr_image_tag_immutable ? "IMMUTABLE" : "MUTABLE"
  force_delete         = var.ecr_force_delete

  image_scanning_configuration {
    scan_on_push = var.ecr_scan_on_push
  }

  tags = var.tags
}

# Environments in other accounts pull the one image from here: their execution roles need this policy as well as
# their own EcrPull statement (which this module writes in every environment from `image`).
data "aws_iam_policy_document" "ecr_read_access" {
  count = var.create_ecr_repository && length(var.ecr_repository_read_access) > 0 ? 1 : 0

  statement {
    sid     = "CrossAccountPull"
    actions = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]

    principals {
      type        = "AWS"
      identifiers = local.ecr_read_access_principals
    }
  }
}

resource "aws_ecr_repository_policy" "this" {
  count = var.create_ecr_repository && length(var.ecr_repository_read_access) > 0 ? 1 : 0

  repository = aws_ecr_repository.this[0].name
  policy     = data.aws_iam_policy_document.ecr_read_access[0].json
}

################################################################################
# CloudWatch log group
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  name              = "/ecs/${var.name}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.log_kms_key_id

  tags = var.tags
}

################################################################################
# Task definition
################################################################################

resource "aws_ecs_task_definition" "this" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  container_definitions = jsonencode([local.container_definition])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  volume {
    name = "tmp"
  }

  tags = var.tags
}

################################################################################
# IAM: shared trust policy
################################################################################

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    sid     = "EcsTasksAssume"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

################################################################################
# IAM: execution role (image pull, logs, ECS-injected secrets)
################################################################################

resource "aws_iam_role" "execution" {
  name_prefix        = "${substr(var.name, 0, 27)}-exec-"
  description        = "ECS execution role of ${var.name}: pulls the image, writes logs, injects secrets"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  tags = var.tags
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "EcrAuth"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # this action has no resource-level permissions
  }

  dynamic "statement" {
    for_each = length(local.ecr_pull_repository_arns) > 0 ? [1] : []
    content {
      sid       = "EcrPull"
      actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
      resources = local.ecr_pull_repository_arns
    }
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:log-stream:*"]
  }

  dynamic "statement" {
    for_each = length(local.injected_secretsmanager_arns) > 0 ? [1] : []
    content {
      sid       = "InjectedSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = local.injected_secretsmanager_arns
    }
  }

  dynamic "statement" {
    for_each = length(local.injected_ssm_arns) > 0 ? [1] : []
    content {
      sid       = "InjectedParameters"
      actions   = ["ssm:GetParameters"]
      resources = local.injected_ssm_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.secrets) > 0 && length(var.kms_key_arns) > 0 ? [1] : []
    content {
      sid       = "InjectedSecretsKms"
      actions   = ["kms:Decrypt"]
      resources = var.kms_key_arns

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${local.region}.amazonaws.com", "ssm.${local.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "ferry-execution"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

################################################################################
# IAM: task role (what Ferry itself may do)
################################################################################

resource "aws_iam_role" "task" {
  name_prefix        = "${substr(var.name, 0, 27)}-task-"
  description        = "Task role of ${var.name}: reads its secrets, snapshots its cluster, rehearses on clones"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  tags = var.tags
}

data "aws_iam_policy_document" "task" {
  statement {
    sid       = "ReadSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = local.task_secret_arns
  }

  dynamic "statement" {
    for_each = length(local.snapshot_arns) > 0 ? [1] : []
    content {
      sid = "ClusterSnapshots"
      actions = [
        "rds:CreateDBClusterSnapshot",
        "rds:DescribeDBClusterSnapshots",
        "rds:DeleteDBClusterSnapshot",
        "rds:AddTagsToResource",
        "rds:ListTagsForResource",
      ]
      resources = local.snapshot_arns
    }
  }

  # The rehearsal (FERRY_REHEARSE=clone): clone the cluster, add one instance, delete both. Every call that makes
  # something requires the ferry:rehearsal tag on it and a ferry-rehearsal-<environment>-* name; deletion is allowed
  # only for resources of that name that carry the tag. Renewing a clone's lease (its ferry:lease-until tag) is an
  # AddTagsToResource on the clone that sends ferry:rehearsal=true again, under RehearsalCloneInstance.
  dynamic "statement" {
    for_each = var.rehearsal_cluster_arn == null ? [] : [1]
    content {
      sid     = "RehearsalDescribe"
      actions = ["rds:DescribeDBClusters", "rds:DescribeDBInstances"]
      # Looking for a killed run's leftover clone lists the clusters of the account and region.
      resources = ["${local.rds_arn_prefix}:cluster:*", "${local.rds_arn_prefix}:db:*"]
    }
  }

  dynamic "statement" {
    for_each = var.rehearsal_cluster_arn == null ? [] : [1]
    content {
      sid     = "RehearsalCloneFromSource"
      actions = ["rds:RestoreDBClusterToPointInTime"]
      resources = concat([var.rehearsal_cluster_arn], local.rehearsal_clone_arns, [
        "${local.rds_arn_prefix}:subgrp:*",
        "${local.rds_arn_prefix}:cluster-pg:*",
      ])

      condition {
        test     = "StringEquals"
        variable = "aws:RequestTag/ferry:rehearsal"
        values   = ["true"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.rehearsal_cluster_arn == null ? [] : [1]
    content {
      sid     = "RehearsalCloneInstance"
      actions = ["rds:CreateDBInstance", "rds:AddTagsToResource"]
      resources = concat(local.rehearsal_clone_arns, [
        "${local.rds_arn_prefix}:subgrp:*",
        "${local.rds_arn_prefix}:pg:*",
      ])

      condition {
        test     = "StringEquals"
        variable = "aws:RequestTag/ferry:rehearsal"
        values   = ["true"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.rehearsal_cluster_arn == null ? [] : [1]
    content {
      sid       = "RehearsalDeleteClone"
      actions   = ["rds:DeleteDBInstance", "rds:DeleteDBCluster"]
      resources = local.rehearsal_clone_arns

      condition {
        test     = "StringEquals"
        variable = "aws:ResourceTag/ferry:rehearsal"
        values   = ["true"]
      }
    }
  }

  # restore (FERRY_COMMAND=restore): restore one of Ferry's snapshots into ferry-restore-* (tagged ferry:restore=true
  # on creation), add its writer, turn on RDS management of its master password and read that secret. Production is
  # only described; without restore_swap_instance_ids nothing of it may be renamed.
  dynamic "statement" {
    for_each = var.restore_enabled ? [1] : []
    content {
      sid     = "RestoreDescribe"
      actions = ["rds:DescribeDBClusters", "rds:DescribeDBInstances"]
      # The source's writer instance, whose class and parameter group the restored writer takes, has any name.
      resources = ["${local.restore_arn_prefix}:cluster:*", "${local.restore_arn_prefix}:db:*"]
    }
  }

  dynamic "statement" {
    for_each = var.restore_enabled ? [1] : []
    content {
      sid     = "RestoreFromFerrySnapshot"
      actions = ["rds:RestoreDBClusterFromSnapshot", "rds:CreateDBInstance", "rds:AddTagsToResource"]
      resources = concat(local.restore_made_arns, [
        "${local.restore_arn_prefix}:cluster-snapshot:ferry-*",
        "${local.restore_arn_prefix}:subgrp:*",
        "${local.restore_arn_prefix}:cluster-pg:*",
        "${local.restore_arn_prefix}:pg:*",
      ])

      condition {
        test     = "StringEquals"
        variable = "aws:RequestTag/ferry:restore"
        values   = ["true"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.restore_enabled ? [1] : []
    content {
      sid       = "RestoreModifyRestored"
      actions   = ["rds:ModifyDBCluster", "rds:ModifyDBInstance"]
      resources = local.restore_made_arns

      condition {
        test     = "StringEquals"
        variable = "aws:ResourceTag/ferry:restore"
        values   = ["true"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.restore_enabled ? [1] : []
    content {
      sid = "RestoreManagedMasterSecret"
      # RDS creates the restored cluster's master user secret as the caller; Ferry reads it to connect.
      actions   = ["secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:RotateSecret", "secretsmanager:GetSecretValue"]
      resources = ["arn:${local.partition}:secretsmanager:${local.region}:${element(split(":", var.snapshot_cluster_arn), 4)}:secret:rds!cluster-*"]
    }
  }

  dynamic "statement" {
    for_each = local.restore_swap ? [1] : []
    content {
      sid       = "RestoreSwapRenames"
      actions   = ["rds:ModifyDBCluster", "rds:ModifyDBInstance"]
      resources = local.restore_swap_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.kms_key_arns) > 0 ? [1] : []
    content {
      sid       = "SecretsKms"
      actions   = ["kms:Decrypt"]
      resources = var.kms_key_arns

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${local.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "ferry-task"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

################################################################################
# Security group of the task
################################################################################

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-"
  description = "Ferry migration task ${var.name}: database and AWS APIs only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = var.name })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_egress_rule" "database" {
  security_group_id            = aws_security_group.this.id
  description                  = "Database"
  ip_protocol                  = "tcp"
  from_port                    = var.db_port
  to_port                      = var.db_port
  referenced_security_group_id = var.db_security_group_id

  tags = var.tags
}

resource "aws_vpc_security_group_egress_rule" "https" {
  count = length(var.https_egress_cidr_blocks) # count, not for_each: CIDRs may be unknown until apply

  security_group_id = aws_security_group.this.id
  description       = "HTTPS to AWS APIs"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = var.https_egress_cidr_blocks[count.index]

  tags = var.tags
}

resource "aws_vpc_security_group_egress_rule" "https_prefix_list" {
  count = length(var.https_egress_prefix_list_ids)

  security_group_id = aws_security_group.this.id
  description       = "HTTPS to AWS APIs (prefix list)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = var.https_egress_prefix_list_ids[count.index]

  tags = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "database" {
  count = var.create_db_ingress_rule ? 1 : 0

  security_group_id            = var.db_security_group_id
  description                  = "Ferry migration task ${var.name}"
  ip_protocol                  = "tcp"
  from_port                    = var.db_port
  to_port                      = var.db_port
  referenced_security_group_id = aws_security_group.this.id

  tags = var.tags
}
