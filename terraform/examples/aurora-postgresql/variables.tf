################################################################################
# Provider
################################################################################

variable "region" {
  description = "AWS region"
  type        = string
  default     = "eu-west-1"
}

variable "aws_endpoint_url" {
  description = "For tests only: one endpoint (e.g. moto_server's http://127.0.0.1:5000) for every AWS service, with dummy credentials \"test\" and no account or credential checks. Null: real AWS"
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource"
  type        = map(string)
  default     = { Project = "ferry", Example = "aurora-postgresql" }
}

################################################################################
# Environment
################################################################################

variable "environment" {
  description = "Environment name (dev, test, prod...): FERRY_ENVIRONMENT, and part of every resource name"
  type        = string
  default     = "dev"
}

################################################################################
# Network
################################################################################

variable "rehearse" {
  description = "Whether each migration is rehearsed on a copy-on-write clone of the cluster before the cluster is migrated (FERRY_REHEARSE=clone). Null: on where `environment` is prod"
  type        = bool
  default     = null
}

variable "rehearsal_lock_budget" {
  description = "Longest a rehearsed migration may hold a lock that blocks writes (FERRY_REHEARSAL_LOCK_BUDGET)"
  type        = string
  default     = "5s"
}

variable "vpc_id" {
  description = "ID of an existing VPC; null creates a VPC (DNS hostnames on) with private subnets and the VPC endpoints the task needs"
  type        = string
  default     = null
}

variable "subnet_ids" {
  description = "Private subnets of `vpc_id` for the database and the task (at least two AZs); used only with `vpc_id`"
  type        = list(string)
  default     = []
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC created when `vpc_id` is null"
  type        = string
  default     = "10.42.0.0/16"
}

variable "create_vpc_endpoints" {
  description = "Whether the created VPC gets interface endpoints (ECR, CloudWatch Logs, Secrets Manager, RDS, STS) and the S3 gateway endpoint, so the task reaches AWS APIs without a NAT gateway"
  type        = bool
  default     = true
}

################################################################################
# Database
################################################################################

variable "engine_version" {
  description = "Aurora PostgreSQL engine version"
  type        = string
  default     = "16.6"
}

variable "instance_class" {
  description = "Instance class of the cluster's one instance"
  type        = string
  default     = "db.t4g.medium"
}

variable "database_name" {
  description = "Name of the database created in the cluster"
  type        = string
  default     = "app"
}

variable "db_port" {
  description = "Port of the cluster"
  type        = number
  default     = 5432
}

variable "master_username" {
  description = "Master (admin) user name; its password is managed by RDS in Secrets Manager"
  type        = string
  default     = "ferry_admin"
}

variable "api_db_username" {
  description = "Name of the API's database user, created by the migrations from $${api_db_username}"
  type        = string
  default     = "api"
}

variable "secret_recovery_window_in_days" {
  description = "Recovery window of the API user's secret when destroyed (0 deletes at once)"
  type        = number
  default     = 7
}

variable "skip_final_snapshot" {
  description = "Whether destroying the cluster skips the final snapshot"
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Whether the cluster is protected from deletion"
  type        = bool
  default     = false
}

################################################################################
# Ferry
################################################################################

variable "create_ecr_repository" {
  description = "Whether this environment creates the ECR repository the pipeline pushes the one image to (output ecr_repository_url). True in one environment (the first you apply, e.g. dev); false in the others, which set `image_repository` to that URL"
  type        = bool
  default     = true
}

variable "ecr_repository_name" {
  description = "Name of the ECR repository created with `create_ecr_repository`: one repository for every environment"
  type        = string
  default     = "ferry"
}

variable "ecr_repository_read_access" {
  description = "Other AWS accounts (12-digit IDs) or IAM role ARNs whose environments pull the image from the created repository (its repository policy). Environments in this account need nothing here"
  type        = list(string)
  default     = []
}

variable "image_repository" {
  description = "Repository URL of the Ferry image (without tag or digest), e.g. the output ecr_repository_url of the environment that created it; null: the repository this environment creates. The execution role may pull from it"
  type        = string
  default     = null

  validation {
    condition     = var.image_repository != null || var.create_ecr_repository
    error_message = "image_repository is needed where create_ecr_repository is false: the URL of the repository another environment created (its output ecr_repository_url)."
  }
}

variable "image_digest" {
  description = "Digest of the Ferry image to run (sha256:...); a new digest triggers a migration"
  type        = string

  validation {
    condition     = can(regex("^sha256:[0-9a-f]{64}$", var.image_digest))
    error_message = "image_digest must look like sha256:<64 hex digits>."
  }
}

variable "run_migration" {
  description = "Whether apply runs the migration task (false for a first apply, before the first image is pushed)"
  type        = bool
  default     = true
}

variable "migration_timeout" {
  description = "Seconds ecs/run-migration waits for the task before giving up (exit 24)"
  type        = number
  default     = 3600
}

variable "ferry_environment_variables" {
  description = "Extra environment variables of the Ferry container (FERRY_LOCK_TIMEOUT, FERRY_SNAPSHOT_RETAIN...)"
  type        = map(string)
  default     = {}
}

variable "ferry_secrets" {
  description = "Extra environment variables of the Ferry container that ECS injects from Secrets Manager: NAME => secret ARN, optionally with `:json-key::` (e.g. FERRY_PLACEHOLDER_smtp_password)"
  type        = map(string)
  default     = {}
}

variable "log_retention_in_days" {
  description = "Retention of the task's CloudWatch log group, in days"
  type        = number
  default     = 90
}

variable "ecr_force_delete" {
  description = "Whether destroy deletes the ECR repository even when it holds images"
  type        = bool
  default     = false
}

################################################################################
# GitHub Actions (deploy.yml and migrate.yml)
################################################################################

variable "github_repository" {
  description = "owner/name of the GitHub repository whose workflows deploy this environment: creates the role they assume through OIDC (output deploy_role_arn, GitHub variable AWS_DEPLOY_ROLE_ARN). Null: no role"
  type        = string
  default     = null

  validation {
    condition     = var.github_repository == null || can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be owner/name."
  }
}

variable "github_oidc_provider_arn" {
  description = "ARN of the account's existing token.actions.githubusercontent.com OIDC provider (an account has one): the second environment in an account passes the first's output github_oidc_provider_arn. Null creates it; used only with github_repository"
  type        = string
  default     = null
}
