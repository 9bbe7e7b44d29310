"""Benchmarks behind `baton bench`: real servers on loopback, a bounded load client, numbers.

Speed is measured here and printed, never asserted in the test suite.
"""

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
