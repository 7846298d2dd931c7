"""What the list pages share: the rows ticked in a form, and the sentences that confirm an
import or an export (or say, per row, why not)."""

from __future__ import annotations

from starlette.datastructures import FormData

MAX_CHOSEN = 500


def chosen_ids(form: FormData, field: str) -> list[int]:
    """The ids ticked in ``field`` checkboxes, in page order, at most ``MAX_CHOSEN``."""
    ids: list[int] = []
    for value in form.getlist(field)[:MAX_CHOSEN]:
        if isinstance(value, str) and value.isdigit():
            ids.append(int(value))
    return list(dict.fromkeys(ids))


def import_outcome(what: str, triggered: list[str]) -> str:
    """``Order import triggered`` (the seed's words), naming the connections."""
    if not triggered:
        return "No connection has import enabled: nothing was triggered."
    return f"{what} import triggered for {', '.join(triggered)}."


def export_outcome(
    noun: str, outcomes: list[tuple[int, bool, str]]
) -> tuple[str | None, str | None]:
    """A confirmation for the scheduled ones and, per refused one, the reason."""
    scheduled = [item_id for item_id, ok, _ in outcomes if ok]
    refused = [(item_id, message) for item_id, ok, message in outcomes if not ok]
    notice = None
    if scheduled:
        plural = "" if len(scheduled) == 1 else "s"
        notice = f"Export to OMS triggered for {len(scheduled)} {noun}{plural}."
    problem = None
    if refused:
        reasons = "; ".join(f"{noun} {item_id}: {message}" for item_id, message in refused)
        problem = f"Not exported — {reasons}."
    return notice, problem
