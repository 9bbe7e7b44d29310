"""Storage: tables, migrations, and the repositories the engine and services call."""
