"""Keeps secrets out of log lines: a configuration logged as an argument is shown redacted.

traitlets logs the whole configuration at debug level ("Config changed: {...}") from every
Application it reaches (ServerApp, LabApp, ours...), inline `{"value": ...}` secrets included.
A log-record factory, installed when jupyter_server loads this package (before any such line),
replaces every mapping argument of a record by a copy in which secrets read `'***'`.
"""

from __future__ import annotations

import ast
import json
import logging
import re
from collections.abc import Mapping
from typing import Any

HIDDEN = "***"
SECRET_KEY = re.compile(
    r"(^|_)(token|secret|password|passwd|passphrase|credentials?|api_key|private_key)$",
    re.IGNORECASE,
)
"""Keys whose plain value is a secret wherever they appear (`client_secret`, `token`...)."""
OUR_SECTION = "HPCJupyterApp"
_MARK = "_hpc_jupyter_redacts"


def redact(value: Any, ours: bool = False) -> Any:
    """A copy of `value` whose secrets read `'***'`; `value` itself is never changed.

    Everywhere, a value under a secret-looking key is hidden (a mapping there is looked
    into: it names where the secret comes from). Inside our section of a
    configuration (`ours`), so are the secret sources written inline (`{"value": ...}`), and a
    configuration given as text (a command-line `--HPCJupyterApp.facilities='{...}'`) is read
    first; text that cannot be read is hidden whole.
    """
    if isinstance(value, Mapping):
        copy: dict[Any, Any] = {}
        for key, item in value.items():
            if ours and key == "value":
                copy[key] = HIDDEN
            elif isinstance(key, str) and SECRET_KEY.search(key) and not _container(item):
                copy[key] = HIDDEN if item not in (None, "", b"") else item
            else:
                copy[key] = redact(item, ours or key == OUR_SECTION)
        return copy
    if isinstance(value, (list, tuple)):
        return [redact(item, ours) for item in value]
    if ours and isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        return redact(_parsed(value), ours)
    if ours and hasattr(value, "to_dict"):  # traitlets' LazyConfigValue (`.update(...)`)
        try:
            return redact(value.to_dict(), ours)
        except Exception:  # an object we cannot read is not shown at all
            return HIDDEN
    return value


def _container(value: Any) -> bool:
    # A secret key holding a mapping names a source (`{"env": ...}`): look inside instead.
    return isinstance(value, (Mapping, list, tuple))


def _parsed(text: str) -> Any:
    for parse in (json.loads, ast.literal_eval):
        try:
            return parse(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
    return HIDDEN


def install() -> None:
    """Redact every log record created from now on in this process (installed once)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, _MARK, False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            if isinstance(record.args, Mapping):
                record.args = redact(record.args)
            elif isinstance(record.args, tuple) and any(
                isinstance(arg, Mapping) for arg in record.args
            ):
                record.args = tuple(
                    redact(arg) if isinstance(arg, Mapping) else arg for arg in record.args
                )
        except Exception:  # never let a log call fail, and never show what we could not check
            record.msg, record.args = "(a log line hidden: it could not be checked for secrets)", ()
        return record

    setattr(factory, _MARK, True)
    logging.setLogRecordFactory(factory)
