"""Hostile input: fuzzing, webhook abuse, upload attacks, stored XSS, SQL metacharacters."""
