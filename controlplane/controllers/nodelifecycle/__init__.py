"""Node lifecycle: silent nodes turn Unknown, unready ones get tainted, both lose their pods."""
