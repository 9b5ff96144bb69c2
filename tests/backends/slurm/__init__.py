"""The slurmrestd kind through the upstream stack, on recorded answers."""
