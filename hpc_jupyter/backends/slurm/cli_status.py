"""A Slurm cluster's status from its commands: controller and nodes, reservations, allocations."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterable

from ...errors import FacilityError, ValidationError
from ...models import Allocation, Health, Notice, NoticeKind, SystemHealth
from .accounting import time_allocation, unlimited
from .commands import SlurmCommands
from .slurm_units import tres_numbers

EPOCH = ("env", "SLURM_TIME_FORMAT=%s")
"""Before a command: its times as Unix seconds, whatever the time zone where it runs."""
SHARES = "Account,User,GrpTRESMins,GrpTRESRaw"
"""What `sshare --format=` is asked for: the limits and the usage Slurm holds against them."""
DEGRADED_SHARE = 0.1
"""From this share of its nodes down or drained on, a cluster is `degraded` (a big cluster
always has a few nodes out; below this share it is up, and the message says how many are out)."""
_OUT = {"down", "drained", "draining", "drain", "fail", "failing", "inval", "maint"}
_USER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._@-]{0,63}$")


def check_user(user: str) -> str:
    """A user name fit to put on a command line (even one an `ssh` prefix hands to a shell)."""
    if not _USER.fullmatch(user):
        raise ValidationError(f"{user[:40]!r} is not a user name Slurm's commands take.")
    return user


def controller_health(text: str, system: str) -> SystemHealth | None:
    """`scontrol ping`: DOWN when no controller answers, else None (the nodes then tell)."""
    said = [line.strip() for line in text.splitlines() if " is " in line]
    if not said:
        raise FacilityError("`scontrol ping` printed nothing it could be read from.")
    if any(line.endswith(" is UP") for line in said):
        return None
    return SystemHealth(
        system,
        Health.DOWN,
        "The Slurm controller does not answer: " + "; ".join(said) + ".",
        time.time(),
    )


def nodes_health(text: str, system: str) -> SystemHealth:
    """`sinfo -h -N -o %N|%T|%E`: up, degraded or down from how many nodes are out, and why."""
    nodes: dict[str, tuple[str, str]] = {}
    for line in text.splitlines():
        name, _, rest = line.strip().partition("|")
        state, _, reason = rest.partition("|")
        if name:
            nodes[name] = (state.strip().lower(), reason.strip())
    if not nodes:
        return SystemHealth(system, Health.UNKNOWN, "Slurm lists no nodes.", time.time())
    out: dict[str, list[str]] = {}
    for name, (state, reason) in sorted(nodes.items()):
        base = state.rstrip("*~#!%$@^-+")
        if base in _OUT or state.endswith("*"):
            why = "not responding" if state.endswith("*") and base not in _OUT else base
            if reason and reason != "none":
                why = f"{why}: {reason}"
            out.setdefault(why, []).append(name)
    if not out:
        return SystemHealth(system, Health.UP, None, time.time())
    count = sum(len(names) for names in out.values())
    reasons = "; ".join(
        f"{', '.join(names[:3])}{' ...' if len(names) > 3 else ''} {why}"
        for why, names in sorted(out.items(), key=lambda item: -len(item[1]))[:3]
    )
    words = f"{count} of {len(nodes)} node{'s' if len(nodes) != 1 else ''} out ({reasons})."
    if count == len(nodes):
        return SystemHealth(system, Health.DOWN, f"All nodes are out: {words}", time.time())
    health = Health.DEGRADED if count >= DEGRADED_SHARE * len(nodes) else Health.UP
    return SystemHealth(system, health, words, time.time())


def _seconds(value: str) -> float | None:
    """A time as `SLURM_TIME_FORMAT=%s` prints it, or Slurm's ISO local time without one."""
    if value.isdigit():
        return float(value)
    try:
        return time.mktime(time.strptime(value, "%Y-%m-%dT%H:%M:%S"))
    except ValueError:
        return None  # Unknown, or a format this site set in its own SLURM_TIME_FORMAT


def reservations(text: str, system: str, now: float) -> list[Notice]:
    """`scontrol -o show reservation`: MAINT ones as maintenance, the others as reservations.

    Only those that have not ended by `now`.
    """
    notices: list[Notice] = []
    for line in text.splitlines():
        if not line.startswith("ReservationName="):
            continue
        fields = dict(word.split("=", 1) for word in line.split() if "=" in word)
        start, end = _seconds(fields.get("StartTime", "")), _seconds(fields.get("EndTime", ""))
        if end is not None and end <= now:
            continue
        flags = fields.get("Flags", "").split(",")
        name = fields["ReservationName"]
        maint = "MAINT" in flags
        nodes = fields.get("Nodes", "(null)")
        where = f" on {nodes}" if nodes not in ("", "(null)") else ""
        partition = fields.get("PartitionName", "(null)")
        touched = (system,) if partition in ("", "(null)") else (system, partition)
        notices.append(
            Notice(
                id=name,
                kind=NoticeKind.MAINTENANCE if maint else NoticeKind.RESERVATION,
                title=f"{'Maintenance' if maint else 'Reservation'} {name}{where}",
                start=start,
                end=end,
                systems=touched,
                status=fields.get("State") or None,
            )
        )
    return notices


def priority_config(text: str) -> dict[str, str]:
    """The usage settings of `scontrol show config`: PriorityType, PriorityDecayHalfLife..."""
    wanted = ("PriorityType", "PriorityDecayHalfLife", "PriorityUsageResetPeriod")
    config: dict[str, str] = {}
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip() in wanted:
            config[key.strip()] = value.strip()
    return config


def _usage_words(config: dict[str, str]) -> str | None:
    """How Slurm counts the usage it sets against GrpTRESMins; None when it counts none."""
    if config.get("PriorityType") != "priority/multifactor":
        return None
    half_life = config.get("PriorityDecayHalfLife", "")
    reset = config.get("PriorityUsageResetPeriod", "NONE")
    decayed = "" if half_life in ("00:00:00", "0", "") else f", halved every {half_life}"
    resets = "" if reset in ("NONE", "") else f", reset {reset.lower()}"
    return f"used: sshare GrpTRESRaw (TRES-minutes, as Slurm counts them{decayed}{resets})"


def allocations(
    shares: str, default_account: str, config: dict[str, str], user: str
) -> list[Allocation]:
    """The user's accounts from `sshare -nP -o Account,User,GrpTRESMins,GrpTRESRaw`.

    Each GrpTRESMins limit in time (node, cpu, billing, GPU minutes) becomes an allocation in
    hours, on the account (scope project) or on the user's own association (scope user); its
    usage is sshare's GrpTRESRaw, the figure Slurm holds against the limit, when Slurm counts
    one (priority/multifactor). An account without such a limit is listed by name.
    """
    rows: list[tuple[str, str, str, str]] = []
    for line in shares.splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) >= 4 and cells[0]:
            rows.append((cells[0], cells[1], cells[2], cells[3]))
    mine = list(dict.fromkeys(account for account, who, _, _ in rows if who == user))
    how = _usage_words(config)
    found: list[Allocation] = []
    for account in mine:
        limited = False
        for row_account, who, limits, raw in rows:
            if row_account != account or who not in ("", user):
                continue
            used_minutes = tres_numbers(raw) if how is not None else {}
            for tres, minutes in tres_numbers(limits).items():
                note = f"GrpTRESMins {tres}={minutes:g}"
                note += f"; {how}" if how else "; Slurm counts no usage (priority/basic)"
                allocation = time_allocation(
                    account,
                    tres,
                    minutes,
                    used_minutes.get(tres),
                    default=account == default_account,
                    scope="user" if who else "project",
                    note=note,
                )
                if allocation is not None:
                    limited = True
                    found.append(allocation)
        if not limited:
            found.append(unlimited(account, default=account == default_account))
    return found


class SlurmCLIStatus:
    """The status parts Slurm's commands tell, for the user the commands run as."""

    def __init__(self, commands: SlurmCommands, user: str, system: str) -> None:
        self.commands = commands
        self.user = user
        self.system = system

    async def systems(self) -> list[SystemHealth]:
        ping = await self.commands.finish("scontrol", "ping")
        down = controller_health(ping.stdout.decode(errors="replace"), self.system)
        if down is not None:
            return [down]
        text = await self.commands.run("sinfo", "--noheader", "--Node", "--format=%N|%T|%E")
        return [nodes_health(text, self.system)]

    async def notices(self) -> list[Notice]:
        text = await self.commands.run(*EPOCH, "scontrol", "--oneliner", "show", "reservation")
        return reservations(text, self.system, time.time())

    async def allocations(self) -> list[Allocation]:
        user = check_user(self.user)
        shares, default, config = await asyncio.gather(
            self.commands.run("sshare", "--noheader", "--parsable2", f"--format={SHARES}"),
            self.commands.run(
                "sacctmgr", "--noheader", "--parsable2", "show", "user", user,
                "format=DefaultAccount",
            ),
            self.commands.run("scontrol", "show", "config"),
        )  # fmt: skip
        return allocations(shares, _first(default.splitlines()), priority_config(config), user)


def _first(lines: Iterable[str]) -> str:
    return next((line.strip() for line in lines if line.strip()), "")
