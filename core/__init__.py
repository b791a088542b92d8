"""Shared kernel: settings, database, audit log, bus, errors, auth helpers, templating."""
