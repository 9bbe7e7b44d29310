"""Fixtures for the transfer tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.transfer.mail import certificate, smtp  # noqa: F401 - fixtures


@pytest.fixture
def refusing_port() -> Iterator[int]:
    """A loopback port held bound but never listening: every connection to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])
