"""Subcommands of the `bluegreen` command line."""
