"""Running skiff: the lab (a multi-host cluster on one machine) and systemd units for real VMs.

Both start the same programs with the same flags, built in `deploy.components`.
"""
