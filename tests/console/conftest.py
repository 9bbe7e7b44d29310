"""The real SMTP server fixtures, for the check that an internal note is never e-mailed."""

from tests.transfer.mail import certificate, smtp  # noqa: F401 - fixtures
