"""Node lifecycle: nodes whose agent stops renewing its Lease turn Unknown, get tainted, lose their pods."""
