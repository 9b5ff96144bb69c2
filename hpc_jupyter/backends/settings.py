"""Declarative facility settings: one dataclass per kind, read, checked and tabulated from it.

Each field of a kind's settings dataclass is declared with `option()`: its type is the
annotation, its default the dataclass default, and its metadata the check, one line of help and
whether the value names a secret. `read_settings` derives the unknown-key error and the
validation from that; `option_table` derives the operators' table (docs/operators/options/).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field, dataclass, field, fields, is_dataclass
from typing import Any, TypeVar

from ..errors import ConfigError

S = TypeVar("S")
_OPTION = "hpc_jupyter.option"


@dataclass(frozen=True)
class Check:
    """What a value must be: said to operators (`accepts`), and checked (`read`)."""

    accepts: str
    """The value in a few words, for the option tables, e.g. "a number, 0.1 or more"."""
    read: Callable[[str, str, Any], Any]
    """`read(facility, key, value)`: the value to keep, or `ConfigError` naming the key."""


@dataclass(frozen=True)
class Option:
    """A field's metadata: how it is checked and documented."""

    help: str
    check: Check
    secret: bool
    shown_default: str | None
    """The default as operators read it, when the field's own default does not say it."""
    missing: str
    """The problem reported when a required option is absent."""


def option(
    help: str,
    check: Check,
    *,
    default: Any = MISSING,
    default_factory: Callable[[], Any] | None = None,
    shown_default: str | None = None,
    missing: str = "required",
    secret: bool = False,
) -> Any:
    """A settings field: without `default` or `default_factory` the option is required.

    A secret field names where a secret comes from (never the secret) and is kept out of the
    settings' repr all the same.
    """
    metadata = {_OPTION: Option(help, check, secret, shown_default, missing)}
    if default_factory is not None:
        return field(default_factory=default_factory, metadata=metadata, repr=not secret)
    return field(default=default, metadata=metadata, repr=not secret)


def read_settings(
    cls: type[S],
    facility: str,
    options: Mapping[str, Any],
    defaults: Mapping[str, Any] | None = None,
) -> S:
    """Check every option of `cls`; `ConfigError` names the facility and the key at fault.

    `defaults` stand in for options whose default depends on where the server runs (the
    Jupyter root, the CPU count); they are checked like configured values.
    """
    declared = _options(cls)
    for key in options:
        if key not in declared:
            raise ConfigError(facility, key, f"unknown option; known: {sorted(declared)}")
    values: dict[str, Any] = {}
    for name, (spec, required) in declared.items():
        if name in options:
            values[name] = spec.check.read(facility, name, options[name])
        elif defaults and name in defaults:
            values[name] = spec.check.read(facility, name, defaults[name])
        elif required:
            raise ConfigError(facility, name, spec.missing)
    return cls(**values)


def option_table(cls: type[Any]) -> str:
    """The options of `cls` as a Markdown table: key, value, default and meaning."""
    rows = ["| option | value | default | meaning |", "|---|---|---|---|"]
    items = {item.name: item for item in fields(cls)}
    for name, (spec, _) in _options(cls).items():
        item = items[name]
        cells = [f"`{item.name}`", spec.check.accepts, _shown_default(item, spec), spec.help]
        if spec.secret:
            cells[3] += " (a secret: never in a response, a log line or an error)"
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows) + "\n"


def _options(cls: type[Any]) -> dict[str, tuple[Option, bool]]:
    """Each option's metadata and whether it is required, in the order they are checked."""
    if not is_dataclass(cls):
        raise TypeError(f"{cls.__name__} is not a settings dataclass")
    own = vars(cls).get("__annotations__", {})
    declared: list[tuple[bool, bool, str, Option]] = []
    for item in fields(cls):
        if _OPTION not in item.metadata:
            raise TypeError(f"{cls.__name__}.{item.name} is not declared with option()")
        required = item.default is MISSING and item.default_factory is MISSING
        declared.append((not required, item.name not in own, item.name, item.metadata[_OPTION]))
    # Required options first, then the kind's own, then those it shares (e.g. the Slurm kinds);
    # the sort is stable, so declaration order otherwise.
    declared.sort(key=lambda entry: entry[:2])
    return {name: (spec, not optional) for optional, _, name, spec in declared}


def _shown_default(item: Field[Any], spec: Option) -> str:
    if spec.shown_default is not None:
        return spec.shown_default
    if item.default_factory is not MISSING:
        return f"`{item.default_factory()!r}`"
    if item.default is MISSING:
        return "required"
    if item.default is None:
        return "none"
    if isinstance(item.default, bool):
        return f"`{str(item.default).lower()}`"
    return f"`{item.default!r}`"
