"""adwatch composition root: the CLI, the scheduler and the demo; the only package importing all others."""
