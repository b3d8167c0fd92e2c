"""secretctl: a chamber-compatible secrets CLI on AWS SSM Parameter Store."""

__version__ = "0.1.0"
