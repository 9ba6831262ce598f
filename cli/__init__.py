"""skiff: the command line of the skiff orchestrator, in kubectl's habits.

`cli.main` is the entry point; one module per verb in `cli.commands`.
"""
