"""The slurmrestd and slurm-cli facility kinds on real Slurm releases."""
