"""External services (外部サービス): registry, usage applications and approvals, lifecycle records."""
