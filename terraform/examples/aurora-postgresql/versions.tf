terraform {
  # 1.11: ephemeral resources and write-only arguments keep the API user's password out of plan and state.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}
