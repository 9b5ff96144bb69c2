"""Slurm facilities: through slurmrestd (`slurmrestd`), or Slurm's commands (`slurm-cli`)."""

from .cli_facility import SlurmCLIFacility
from .rest_facility import SlurmRestFacility

__all__ = ["SlurmCLIFacility", "SlurmRestFacility"]
