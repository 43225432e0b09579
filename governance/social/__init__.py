"""Official social media accounts (SNS): registry, rules, security checklist, post check, public list and verify."""
