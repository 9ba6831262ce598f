"""The CronJob controller: starts a Job at each time of a CronJob's schedule (controller.py), with its
decisions as pure functions (plan.py)."""
