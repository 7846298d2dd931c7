"""What changed between two snapshots of one order, as a user reads it in the timeline."""

from __future__ import annotations

from typing import Any


def diff_fields(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Fields whose value differs, as ``{field: {"from": old, "to": new}}``."""
    changed: dict[str, dict[str, Any]] = {}
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            changed[key] = {"from": old.get(key), "to": new.get(key)}
    return changed
