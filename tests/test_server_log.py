"""hpc_jupyter's log lines reach the server's log at INFO, secrets redacted on the way."""

from __future__ import annotations

import logging
from typing import Any


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_backends_info_line_reaches_the_servers_log_redacted(hpc_server: Any) -> None:
    # Given the server's log, as an operator's handler would see it
    lines = _Lines()
    hpc_server.log.addHandler(lines)
    try:
        # When a backend says something at INFO, with its configuration as an argument
        logging.getLogger("hpc_jupyter.backends.slurm.rest_client").info(
            "refused the token; reading a new one (%s)", {"token": "jwt-SECRET", "user": "ada"}
        )
    finally:
        hpc_server.log.removeHandler(lines)

    # Then the server's log has the line, named for its module, with the secret hidden
    [record] = [r for r in lines.records if r.name.startswith("hpc_jupyter.")]
    assert record.levelno == logging.INFO
    assert record.name == "hpc_jupyter.backends.slurm.rest_client"
    assert record.getMessage() == (
        "refused the token; reading a new one ({'token': '***', 'user': 'ada'})"
    )
