"""Jobs through Slurm's commands on this host (or through a prefix such as `ssh login01`)."""

from __future__ import annotations

from ...errors import FacilityError, NotFound, ValidationError
from ...models import Capability, Efficiency, Job, JobRequest, JobState, Partition
from ...timefmt import parse_time_limit
from ..base import FileBackend
from .cli_efficiency import FIELDS, parse_sacct
from .commands import SlurmCommands
from .dependencies import dependency_option
from .history import accounting_job, accounting_matches
from .jobs_base import SlurmJobs, check_job_id
from .schema import parse_job, pick_record


def _time(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


class SlurmCLIJobs(SlurmJobs):
    """sbatch, squeue, scancel, scontrol and sacct as the user the commands run as."""

    _BASE = SlurmJobs.capabilities | {Capability.JOBS_HOLD, Capability.JOBS_REQUEUE}

    def __init__(
        self,
        facility: str,
        user: str,
        commands: SlurmCommands,
        files: FileBackend | None,
        *,
        home: str,
        partition: str | None = None,
        account: str | None = None,
        history_days: int = 7,
    ) -> None:
        super().__init__(facility, user, files)
        self.commands = commands
        self.home = home
        self.partition = partition
        self.account = account
        self.history_days = history_days

    @property
    def capabilities(self) -> frozenset[Capability]:  # type: ignore[override]
        """With accounting (`history_days` > 0), `sacct` tells how finished jobs went."""
        return self._BASE | {Capability.JOBS_EFFICIENCY} if self.history_days else self._BASE

    async def submit(self, system: str, request: JobRequest) -> Job:
        # sbatch reads the script's #SBATCH lines itself; options given here override them.
        args = ["sbatch", "--parsable"]
        options = {
            "--job-name": request.name,
            "--partition": request.partition,
            "--account": request.account,
            "--nodes": str(request.nodes) if request.nodes else None,
            "--time": _time(request.time_limit) if request.time_limit else None,
            "--chdir": request.workdir,
            "--output": request.stdout,
            "--error": request.stderr,
            "--array": request.array,  # overrides the script's #SBATCH --array, as sbatch does
            "--dependency": dependency_option(request),
        }
        args += [f"{flag}={value}" for flag, value in options.items() if value]
        if not request.workdir and "#SBATCH --chdir" not in request.script:
            args.append(f"--chdir={self.home}")
        for key, default in (("--partition", self.partition), ("--account", self.account)):
            if default and not options[key] and f"#SBATCH {key}" not in request.script:
                args.append(f"{key}={default}")
        if request.env:
            bad = [key for key, value in request.env.items() if "," in key + value]
            if bad:
                raise ValidationError(
                    f"Environment variable {bad[0]!r}: sbatch --export cannot carry commas."
                )
            args.append("--export=ALL," + ",".join(f"{k}={v}" for k, v in request.env.items()))
        try:
            output = await self.commands.run(*args, stdin=request.script)
        except ValidationError as err:
            partition = request.partition or self.partition
            if "partition" in err.message and partition and "#SBATCH" not in err.message:
                raise ValidationError(
                    f"Partition {partition!r} does not exist on this cluster."
                ) from None
            raise
        job_id = output.strip().split(";")[0]
        if not job_id.isdigit():
            raise FacilityError("sbatch accepted the job but did not print its id.")
        as_submitted = Job(
            id=job_id,
            name=request.name or "",
            state=JobState.PENDING,
            raw_state="PENDING",
            facility=self.facility,
            system=system,
            user=self.user,
        )
        return await self.just_submitted(system, as_submitted)

    # In Slurm 22.05 `squeue --json` ignores its filters and `sacct --json` its --user: every
    # listing is filtered here as well. From 23.02 on `squeue --json` honours them, and without
    # `--states=all` leaves out the jobs that have ended, which slurmctld still knows (with
    # their log paths) for MinJobAge, as 22.05 and slurmrestd list them.

    async def current_jobs(self, system: str) -> list[Job]:
        data = await self.commands.json("squeue", "--me", "--states=all")
        return [
            parse_job(entry, self.facility, system)
            for entry in data.get("jobs") or []
            if isinstance(entry, dict) and entry.get("user_name") == self.user
        ]

    async def current_job(self, system: str, job_id: str) -> Job | None:
        check_job_id(job_id)
        try:
            data = await self.commands.json("squeue", "--states=all", f"--jobs={job_id}")
        except NotFound:
            return None
        # squeue --json writes slurmrestd's records: `A_T` is picked from its array's as there
        return pick_record(data.get("jobs") or [], job_id, self.facility, system)

    async def finished_jobs(self, system: str) -> list[Job]:
        if not self.history_days:
            return []
        data = await self.commands.json(
            "sacct", "-X", f"--starttime=now-{self.history_days}days", f"--user={self.user}"
        )
        jobs = [
            accounting_job(entry, self.facility, system)
            for entry in data.get("jobs") or []
            if isinstance(entry, dict)
        ]
        return [job for job in jobs if job.state.is_final and job.user == self.user]

    async def finished_job(self, system: str, job_id: str) -> Job:
        check_job_id(job_id)
        if self.history_days:
            data = await self.commands.json("sacct", "-X", f"--jobs={job_id}")
            jobs = [
                entry
                for entry in data.get("jobs") or []
                if isinstance(entry, dict) and accounting_matches(entry, job_id)
            ]
            if jobs:
                return accounting_job(jobs[0], self.facility, system)
        raise NotFound(f"Slurm knows no job {job_id}.")

    async def efficiency(self, system: str, job: Job) -> Efficiency | None:
        job_id = check_job_id(_accounting_id(job))
        text = await self.commands.run(
            "sacct", "--noheader", "--parsable2", f"--jobs={job_id}", "--format=" + ",".join(FIELDS)
        )
        return parse_sacct(text, job_id, job.end_time)

    async def partitions(self, system: str) -> list[Partition]:
        text = await self.commands.run("scontrol", "show", "partition", "--oneliner")
        return [_partition(line) for line in text.splitlines() if line.startswith("PartitionName=")]

    async def batch_script(self, system: str, job_id: str) -> str | None:
        """`scontrol write batch_script`: kept by slurmctld while it knows the job."""
        try:
            return await self.commands.run(
                "scontrol", "write", "batch_script", check_job_id(job_id), "-"
            )
        except NotFound:
            return None

    async def kill(self, job_id: str) -> None:
        await self.commands.run("scancel", check_job_id(job_id))

    async def control(self, action: str, job_id: str) -> None:
        if action not in ("hold", "release", "requeue"):
            raise ValidationError(f"Unknown job action {action!r}.")
        await self.commands.run("scontrol", action, check_job_id(job_id))


def _accounting_id(job: Job) -> str:
    """The name sacct gives `job`'s line: `A_T` for an array task (whatever its own id)."""
    task = job.array_task_id or ""
    return f"{job.array_job_id}_{task}" if job.array_job_id and task.isdigit() else job.id


def _partition(line: str) -> Partition:
    """One line of `scontrol show partition --oneliner`."""
    fields = dict(word.split("=", 1) for word in line.split() if "=" in word)
    max_time = fields.get("MaxTime", "UNLIMITED")
    nodes = fields.get("TotalNodes", "")
    return Partition(
        name=fields["PartitionName"],
        default=fields.get("Default") == "YES",
        state=fields.get("State", "UNKNOWN"),
        max_time=None if max_time in ("UNLIMITED", "INFINITE", "NONE") else _limit(max_time),
        nodes=int(nodes) if nodes.isdigit() else None,
    )


def _limit(text: str) -> int | None:
    try:
        return parse_time_limit(text)
    except ValidationError:
        return None
