"""The ``poll`` status source: read the OMS's shipments, cancellations and refunds since a
cursor, page by page, and apply each like an API request (docs/oms-polling.md).

Every update carries the OMS's stable id, which becomes the row's idempotency key: a
page read twice (after a crash, or because the OMS repeats itself) records nothing the
second time. So the cursor moves only past pages whose every update was applied or
logged as failed, and is saved when the run ends. A malformed update fails alone with an
error entry; an endpoint that cannot be read ends the run with an error naming its URL.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from orderbridge.observability import log
from orderbridge.secrets_box import SecretUnreadable
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import InvalidInput
from orderbridge.services.status_sources.applying import apply_row
from orderbridge.services.status_sources.rows import (
    Action,
    RowOutcome,
    RunResult,
    StatusRow,
    StatusSource,
    status_row,
)
from orderbridge.services.status_sources.sources import (
    register_runner,
    register_settings_check,
)
from orderbridge.services.status_sources.status_instructions import (
    INSTRUCTION_FIELDS,
    LINE_FIELDS,
    RowProblem,
    build_instruction,
)
from orderbridge.services.status_sources.status_poll_client import (
    DEFAULT_TIMEOUT_SECONDS,
    PollError,
    StatusPollClient,
)
from orderbridge.store.error_log import record_error

KIND = "poll"
PAGE_SIZE = 100
# Bounds one run, so a backlog is worked off over several runs instead of one endless one.
MAX_PAGES_PER_RUN = 50
MAX_TIMEOUT_SECONDS = 300
MAX_LINES = 500
MAX_ID_CHARS = 200  # the width of the idempotency key column
SETTINGS = ("url", "timeout_seconds")
UPDATE_TYPES: dict[str, Action] = {
    "shipment": "ship",
    "cancellation": "cancel",
    "refund": "refund",
    "return_acceptance": "accept_return",
    "return_rejection": "reject_return",
    "return_refund": "refund_return",
}
_ENVELOPE = frozenset({"id", "type", "order_id", "connection", "lines"})


def check_settings(settings: Mapping[str, Any]) -> None:
    """``{"url": "http(s)://…", "timeout_seconds"?: number}``; anything else is refused."""
    for name in settings:
        if name not in SETTINGS:
            raise InvalidInput(
                f"a poll source has no setting {name!r}; it takes {' and '.join(SETTINGS)} "
                "(the bearer token goes in the source's secret)",
                field=f"settings.{name}",
            )
    url = settings.get("url")
    example = "e.g. https://oms.example.com/orderbridge/status-updates"
    if not isinstance(url, str) or not url.strip():
        raise InvalidInput(
            f"url is required: the OMS endpoint to poll, {example}", field="settings.url"
        )
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises for a port that is not a number in range
    except ValueError as exc:
        raise InvalidInput(
            f"url is not a valid URL ({exc}), {example}", field="settings.url"
        ) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(
            f"url must be an http or https URL with a host, {example}", field="settings.url"
        )
    if parts.username or parts.password:
        raise InvalidInput(
            "url must not carry credentials: give the bearer token as the source's secret, "
            "where it is stored encrypted",
            field="settings.url",
        )
    timeout = settings.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS)
    valid_number = isinstance(timeout, int | float | Decimal) and not isinstance(timeout, bool)
    if not valid_number or not 0 < timeout <= MAX_TIMEOUT_SECONDS:
        raise InvalidInput(
            f"timeout_seconds must be a number of seconds above 0 and at most "
            f"{MAX_TIMEOUT_SECONDS}",
            field="settings.timeout_seconds",
        )


async def run_poll(ctx: ServiceContext, source: StatusSource) -> RunResult:
    """Read and apply the updates since the source's cursor, up to MAX_PAGES_PER_RUN pages."""
    try:
        check_settings(source.settings)
        token = ctx.box.decrypt(source.secret_encrypted) if source.secret_encrypted else None
    except InvalidInput as exc:
        return RunResult(error=f"the source's settings are invalid: {exc.message}")
    except SecretUnreadable as exc:
        return RunResult(error=f"the bearer token cannot be read: {exc}")
    result = RunResult()
    cursor = source.cursor
    # A run that outlasts its lease could meet a second run of the same cursor.
    stop_paging_at = time.monotonic() + ctx.settings.lease_seconds / 2
    async with StatusPollClient(
        source.settings["url"].strip(),
        token=token,
        timeout_seconds=float(source.settings.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS)),
    ) as client:
        pages = 0
        while pages < MAX_PAGES_PER_RUN:
            pages += 1
            try:
                page = await client.fetch(cursor, PAGE_SIZE)
            except PollError as exc:
                result.error = exc.message
                return result
            try:
                for position, item in enumerate(page.updates):
                    result.rows.append(await _handle(ctx, source, item, position))
            except Exception as exc:
                # Keep the cursor of the pages handled before this one; this one is re-read.
                log.exception("status_poll_page_failed", source=source.name)
                result.error = f"{type(exc).__name__} while applying a page: {exc}"
                return result
            if page.has_more and page.next_cursor in (None, cursor):
                result.error = (
                    f"OMS status endpoint {client.where} answered has_more without a new "
                    "next_cursor, so the next page cannot be asked for"
                )
                return result
            if page.next_cursor is not None:
                cursor = page.next_cursor
                result.cursor = cursor
            if not page.has_more:
                return result
            if time.monotonic() > stop_paging_at:
                break
    log.info("status_poll_more_waiting", source=source.name, pages=pages)
    return result


@dataclass(frozen=True, slots=True)
class _Malformed:
    """An update that cannot become a row; it fails alone and the page goes on."""

    origin: str
    order_id: str
    action: str
    problem: str


async def _handle(
    ctx: ServiceContext, source: StatusSource, item: Any, position: int
) -> RowOutcome:
    parsed = _parse_update(source, item, position)
    if isinstance(parsed, StatusRow):
        return await apply_row(ctx, source, parsed)
    await _log_malformed(ctx, source, parsed)
    return RowOutcome(parsed.origin, parsed.order_id, parsed.action, False, parsed.problem)


def _parse_update(source: StatusSource, item: Any, position: int) -> StatusRow | _Malformed:
    """The row an update asks for, or why it cannot be one."""
    unnamed = f"poll {source.name}, update without id (item {position + 1} of its page)"
    if not isinstance(item, dict):
        return _Malformed(unnamed, "", "", f"an update must be a JSON object, not {_kind(item)}")
    raw_type = item.get("type")
    action = UPDATE_TYPES.get(raw_type) if isinstance(raw_type, str) else None
    shown_action = action or (raw_type if isinstance(raw_type, str) else "")
    order_id = _plain(item.get("order_id"))
    update_id = _plain(item.get("id"))
    if not update_id:
        return _Malformed(
            unnamed,
            order_id,
            shown_action,
            "id is missing: every update needs an id of its own that stays the same when "
            "it is served again",
        )
    origin = f"poll {source.name}, update {update_id[:MAX_ID_CHARS]}"

    def malformed(problem: str) -> _Malformed:
        return _Malformed(origin, order_id, shown_action, problem)

    if len(update_id) > MAX_ID_CHARS:
        return malformed(f"id is {len(update_id)} characters long; at most {MAX_ID_CHARS} fit")
    if action is None:
        shown = repr(raw_type) if raw_type is not None else "missing"
        return malformed(f"type is {shown}: use {', '.join(UPDATE_TYPES)}")
    unknown = sorted(set(item) - _ENVELOPE - set(INSTRUCTION_FIELDS))
    if unknown:
        return malformed(f"unknown field {unknown[0]!r}: {_known_fields()}")
    try:
        fields = {name: _text(item[name], name) for name in INSTRUCTION_FIELDS if name in item}
        connection = _text(item.get("connection"), "connection") or None
        order_text = _text(item.get("order_id"), "order_id")
        lines = _lines(item.get("lines"))
    except RowProblem as problem:
        return malformed(str(problem))
    instruction = build_instruction(
        row=position + 1,
        rows=(position + 1,),
        action=action,
        order_id=order_text,
        connection=connection,
        fields=fields,
        lines=lines,
    )
    if instruction.problem is not None or instruction.request is None:
        return malformed(instruction.problem or "the update asks for nothing")
    row = status_row(instruction, origin=origin, key=update_id)
    return row if row is not None else malformed("the update asks for nothing")


def _lines(value: Any) -> list[tuple[str, dict[str, str]]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RowProblem(f"lines must be a list of lines, not {_kind(value)}")
    if len(value) > MAX_LINES:
        raise RowProblem(f"lines has {len(value)} entries; at most {MAX_LINES} per update")
    lines: list[tuple[str, dict[str, str]]] = []
    for index, line in enumerate(value):
        label = f"lines[{index}]"
        if not isinstance(line, dict):
            raise RowProblem(f"{label} must be an object, not {_kind(line)}")
        unknown = sorted(set(line) - set(LINE_FIELDS))
        if unknown:
            raise RowProblem(
                f"{label}: unknown field {unknown[0]!r}; a line takes {', '.join(LINE_FIELDS)}"
            )
        lines.append((label, {name: _text(line[name], f"{label}.{name}") for name in line}))
    return lines


def _text(value: Any, field: str) -> str:
    """A JSON scalar as the text the instruction checks expect ("" when not given)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    raise RowProblem(f"{field} must be a string or a number, not {_kind(value)}")


def _plain(value: Any) -> str:
    """An id as text for messages and keys; what cannot be one counts as missing."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return "a number"


def _known_fields() -> str:
    return "an update takes " + ", ".join([*sorted(_ENVELOPE), *INSTRUCTION_FIELDS])


async def _log_malformed(ctx: ServiceContext, source: StatusSource, bad: _Malformed) -> None:
    about = f" for order {bad.order_id}" if bad.order_id else ""
    async with ctx.db.write() as conn:
        await record_error(
            conn,
            title=f"Status update{about} from {bad.origin} refused: {bad.problem}",
            operation="status_import",
            at=ctx.clock(),
            external_order_id=bad.order_id or None,
            attributes={
                "source": source.name,
                "origin": bad.origin,
                "fix": "correct the update in the OMS and serve it again after the cursor; "
                "the rest of the page was applied",
            },
        )


register_runner(KIND, run_poll)
register_settings_check(KIND, check_settings)
