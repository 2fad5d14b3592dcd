################################################################################
# General
################################################################################

variable "name" {
  description = "Name used for the task definition family, roles, log group, security group and (by default) the ECR repository, e.g. `ferry-prod`"
  type        = string
  default     = "ferry"

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9_-]{0,50}$", var.name))
    error_message = "name must be 1-51 letters, digits, '-' or '_' (it prefixes IAM role names)."
  }
}

variable "environment" {
  description = "Environment name passed to the container as FERRY_ENVIRONMENT (`clean` is refused wherever it says prod)"
  type        = string
}

variable "tags" {
  description = "Tags added to every resource the module creates"
  type        = map(string)
  default     = {}
}

################################################################################
# ECR repository
################################################################################

variable "create_ecr_repository" {
  description = "Whether to create the ECR repository for the Ferry image: true in the one environment whose repository the pipeline pushes to, false in the others (their `image` names that repository)"
  type        = bool
  default     = true
}

variable "ecr_repository_name" {
  description = "Name of the ECR repository; defaults to `name`"
  type        = string
  default     = null
}

variable "ecr_image_tag_immutable" {
  description = "Whether image tags are immutable in the created repository (recommended when tags are commit SHAs)"
  type        = bool
  default     = false
}

variable "ecr_scan_on_push" {
  description = "Whether images are scanned for vulnerabilities when pushed"
  type        = bool
  default     = true
}

variable "ecr_force_delete" {
  description = "Whether `terraform destroy` deletes the repository even when it still holds images"
  type        = bool
  default     = false
}

variable "ecr_repository_arn" {
  description = "ARN of one more ECR repository the execution role may pull from. Rarely needed: the role may always pull from the created repository and from the ECR repository `image` names (null: none beyond those)"
  type        = string
  default     = null

  validation {
    condition     = var.ecr_repository_arn == null || can(regex("^arn:[^:]+:ecr:[^:]+:[0-9]{12}:repository/.+$", var.ecr_repository_arn))
    error_message = "ecr_repository_arn must be an ECR repository ARN: arn:<partition>:ecr:<region>:<account>:repository/<name>."
  }
}

variable "ecr_repository_read_access" {
  description = "Other AWS accounts (12-digit IDs) or IAM role ARNs whose environments pull the image from the created repository: the module writes a repository policy that lets them pull (their execution roles need their own EcrPull statement too, which this module writes from `image`). Empty: no repository policy"
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.ecr_repository_read_access : can(regex("^([0-9]{12}|arn:[^:]+:iam::[0-9]{12}:(root|role/.+))$", p))])
    error_message = "Each ecr_repository_read_access entry must be a 12-digit account ID or an IAM role ARN (or an account's :root ARN)."
  }
}

################################################################################
# Logging
################################################################################

variable "log_retention_in_days" {
  description = "Retention of the CloudWatch log group, in days (0 keeps logs forever)"
  type        = number
  default     = 90
}

variable "log_kms_key_id" {
  description = "ARN of a KMS key that encrypts the log group (null: CloudWatch's default encryption)"
  type        = string
  default     = null
}

################################################################################
# Task definition
################################################################################

variable "image" {
  description = "Container image of Ferry, preferably pinned by digest: `<account>.dkr.ecr.<region>.amazonaws.com/ferry@sha256:...`. The execution role may pull from the ECR repository it names"
  type        = string
}

variable "cpu" {
  description = "Fargate task CPU units (256 = 0.25 vCPU). 512 by default: a no-op run starts and checks in about half the wall time of 0.25 vCPU (Ferry is CPU-bound while it starts; README's \"Performance\"), and a run under a minute costs Fargate's one-minute minimum either way: $0.00041 at 512/1024 in us-east-1 (0.04048 $/vCPU-h, 0.004445 $/GB-h), $0.00021 at 256/512"
  type        = number
  default     = 512
}

variable "memory" {
  description = "Fargate task memory in MiB (must fit `cpu`, see the Fargate task size table). 1024 by default: the JVM takes 70 % as heap, 716 MiB, where a 66 MB data script ran in 256 MiB and peaked at 431 MiB RSS of a 512 MiB task (README's \"Performance\")"
  type        = number
  default     = 1024
}

variable "cpu_architecture" {
  description = "CPU architecture of the image: X86_64 or ARM64"
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "container_user" {
  description = "User (uid:gid) the container runs as; null keeps the image's USER"
  type        = string
  default     = "10001:10001"
}

variable "environment_variables" {
  description = "Extra environment variables of the container (e.g. FERRY_LOCATIONS, FERRY_SNAPSHOT_RETAIN, FERRY_LOCK_TIMEOUT); the variables this module derives from its inputs take precedence, except FERRY_LOG_FORMAT"
  type        = map(string)
  default     = {}
}

variable "secrets" {
  description = "Environment variables injected by ECS from Secrets Manager (or SSM Parameter Store): NAME => secret ARN, optionally with `:json-key::` suffix, e.g. { FERRY_PLACEHOLDER_smtp_password = \"arn:...:secret:smtp-AbCdEf:password::\" }. The execution role may read exactly these"
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for v in values(var.secrets) : can(regex("^arn:[^:]+:(secretsmanager|ssm):", v))])
    error_message = "Each value of secrets must be a Secrets Manager secret ARN or an SSM parameter ARN."
  }
}

variable "db_secret_arn" {
  description = "ARN of the admin secret (RDS JSON format, e.g. the cluster's RDS-managed master user secret): FERRY_DB_SECRET_ID; the task role may read it"
  type        = string

  validation {
    condition     = can(regex("^arn:[^:]+:secretsmanager:", var.db_secret_arn))
    error_message = "db_secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "db_host" {
  description = "Database host (FERRY_DB_HOST, with FERRY_DB_PORT = `db_port`), e.g. the cluster's writer endpoint. Needed with an RDS-managed master secret, which holds only username and password. Null: the secret's host"
  type        = string
  default     = null
}

variable "db_name" {
  description = "Database to migrate (FERRY_DB_NAME). Null: the secret's dbname, else postgres"
  type        = string
  default     = null
}

variable "placeholder_secrets" {
  description = "Secrets whose JSON keys become placeholders: prefix => secret ARN, rendered as FERRY_PLACEHOLDER_SECRETS=\"prefix=arn,...\" (so api_db => arn gives $${api_db_username} and $${api_db_password}); the task role may read exactly these"
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.placeholder_secrets : can(regex("^[A-Za-z][A-Za-z0-9_]*$", k)) && can(regex("^arn:[^:]+:secretsmanager:", v))])
    error_message = "placeholder_secrets keys must be identifiers ([A-Za-z][A-Za-z0-9_]*) and values Secrets Manager secret ARNs."
  }
}

variable "drift" {
  description = "What drift from Ferry's record of the schema (changes made by hand since its last run) does to a migrate (FERRY_DRIFT): `fail` (exit 10, nothing applied), `warn` (reported, the migration goes on) or `off` (not checked)"
  type        = string
  default     = "warn"

  validation {
    condition     = contains(["fail", "warn", "off"], var.drift)
    error_message = "drift must be fail, warn or off."
  }
}

variable "snapshot_cluster_arn" {
  description = "ARN of the Aurora cluster to snapshot before migrating (FERRY_SNAPSHOT_CLUSTER_ID); the task role may snapshot exactly this cluster and manage its `ferry-*` snapshots. Null: no snapshot, no RDS permissions"
  type        = string
  default     = null

  validation {
    condition     = var.snapshot_cluster_arn == null || can(regex("^arn:[^:]+:rds:[^:]+:[0-9]+:cluster:[A-Za-z][A-Za-z0-9-]*$", var.snapshot_cluster_arn))
    error_message = "snapshot_cluster_arn must be an Aurora cluster ARN: arn:<partition>:rds:<region>:<account>:cluster:<identifier>."
  }
}

variable "rehearsal_cluster_arn" {
  description = "ARN of the Aurora cluster whose pending migrations are rehearsed on a copy-on-write clone before it is migrated (FERRY_REHEARSE=clone, FERRY_REHEARSAL_CLUSTER_ID): the task role may clone exactly this cluster and create, tag and delete clones named `ferry-rehearsal-<environment>-*` tagged `ferry:rehearsal=true`. Null: no rehearsal, no such permissions"
  type        = string
  default     = null

  validation {
    condition     = var.rehearsal_cluster_arn == null || can(regex("^arn:[^:]+:rds:[^:]+:[0-9]+:cluster:[A-Za-z][A-Za-z0-9-]*$", var.rehearsal_cluster_arn))
    error_message = "rehearsal_cluster_arn must be an Aurora cluster ARN: arn:<partition>:rds:<region>:<account>:cluster:<identifier>."
  }
}

variable "rehearsal_instance_class" {
  description = "Instance class of the rehearsal clone's one instance (FERRY_REHEARSAL_INSTANCE_CLASS); `db.serverless` for a Serverless v2 cluster. Billed only for the rehearsal's minutes"
  type        = string
  default     = "db.t4g.medium"
}

variable "rehearsal_lock_budget" {
  description = "Longest a rehearsed migration may hold a lock that blocks writes before the rehearsal fails with exit 9 (FERRY_REHEARSAL_LOCK_BUDGET), as a duration such as `5s` or `500ms`"
  type        = string
  default     = "5s"

  validation {
    condition     = can(regex("^[0-9]+(ms|s|m)$", var.rehearsal_lock_budget))
    error_message = "rehearsal_lock_budget must be a duration such as 500ms, 5s or 1m."
  }
}

variable "restore_enabled" {
  description = "Whether the task role may run `restore` (FERRY_COMMAND=restore, the rollback workflow): restore one of Ferry's `ferry-*` snapshots of `snapshot_cluster_arn` into a new cluster named `ferry-restore-*` tagged `ferry:restore=true`, add its writer, let RDS manage its master password and read that secret. Needs `snapshot_cluster_arn`. False: no such permissions"
  type        = bool
  default     = false

  validation {
    condition     = !var.restore_enabled || var.snapshot_cluster_arn != null
    error_message = "restore_enabled needs snapshot_cluster_arn: restore restores that cluster's snapshots."
  }
}

variable "restore_swap_instance_ids" {
  description = "Identifiers of the source cluster's instances, for `restore` with FERRY_RESTORE_SWAP=true: the task role may rename exactly these (to `<id>-replaced-*`), the source cluster (to `<cluster>-replaced-*`, deletion protection on) and Ferry's restored cluster and instance (to the source's names). Empty: no swap permissions"
  type        = list(string)
  default     = []
}

variable "kms_key_arns" {
  description = "ARNs of customer managed KMS keys that encrypt the secrets (kms:Decrypt is granted on exactly these, via Secrets Manager only). Leave empty for the AWS managed key aws/secretsmanager"
  type        = list(string)
  default     = []
}

################################################################################
# Network
################################################################################

variable "vpc_id" {
  description = "ID of the VPC the task runs in"
  type        = string
}

variable "db_security_group_id" {
  description = "ID of the database's security group: the task's security group gets egress to it on `db_port`"
  type        = string
}

variable "db_port" {
  description = "Port the database listens on"
  type        = number
  default     = 5432
}

variable "create_db_ingress_rule" {
  description = "Whether to add an ingress rule on the database's security group allowing `db_port` from the task's security group"
  type        = bool
  default     = false
}

variable "https_egress_cidr_blocks" {
  description = "IPv4 CIDR blocks the task may reach on 443 for AWS APIs (ECR, Secrets Manager, RDS, CloudWatch Logs); narrow to the VPC CIDR when only VPC endpoints are used"
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "https_egress_prefix_list_ids" {
  description = "Prefix list IDs the task may reach on 443 (e.g. the S3 gateway endpoint's prefix list, which ECR image layers come from)"
  type        = list(string)
  default     = []
}
