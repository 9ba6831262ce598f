"""skiff's version: one constant read by the CLI, the API server, the agents and the package build.

A constant rather than `importlib.metadata`, which alone costs the CLI ~30 ms of start-up."""

VERSION = "v0.1.0"
