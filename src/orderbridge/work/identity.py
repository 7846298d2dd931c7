"""A name for this worker, written into every lease it takes, so a takeover is traceable."""

from __future__ import annotations

import os
import secrets
import socket


def worker_name(role: str) -> str:
    return f"{role}@{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
