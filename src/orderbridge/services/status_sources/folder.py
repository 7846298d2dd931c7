"""The folder status source: the OMS drops CSV or XML status files into a folder.

A run takes the finished files, oldest first, applies each instruction like an API
request, then moves the file into ``processed/`` (every instruction applied) or
``failed/`` (anything refused) with a ``<file name>.report.csv`` beside it that says
what became of each row. An instruction's idempotency key is the file's SHA-256 and its
row number, so a file dropped twice, or a run cut off before its move, applies nothing
twice.

A source may name the file it expects (``expected_file``: a name or a glob such as
``status_*.csv``, for an OMS that delivers on a schedule): it then takes only files of
that name, and a run that finds none is an error naming the folder and the file.
"""

from __future__ import annotations

import asyncio
import csv
import fnmatch
import hashlib
import io
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import InvalidInput
from orderbridge.services.status_sources.applying import apply_row
from orderbridge.services.status_sources.rows import (
    RowOutcome,
    RunResult,
    StatusRow,
    StatusSource,
    status_row,
)
from orderbridge.services.status_sources.sources import register_runner, register_settings_check
from orderbridge.services.status_sources.status_csv import parse_status_csv
from orderbridge.services.status_sources.status_instructions import Instruction, StatusFileError
from orderbridge.services.status_sources.status_xml import parse_status_xml
from orderbridge.store.error_log import record_error

FORMATS = ("csv", "xml", "auto")
SETTINGS = frozenset({"folder", "format", "expected_file"})
PROCESSED = "processed"
FAILED = "failed"
REPORT_SUFFIX = ".report.csv"
REPORT_COLUMNS = ("row", "action", "order_id", "result", "message")
APPLIED = "applied"
ALREADY_APPLIED = "already applied"
REFUSED = "failed"
_TEMPORARY_SUFFIXES = (".tmp", ".part")
# Most OMSs write a file in place rather than renaming a finished one, and a file can grow
# for a moment after it appears: one untouched for this long is taken to be complete.
_SETTLE_SECONDS = 2.0
# Spreadsheets run a cell that starts with one of these as a formula; the report quotes
# text from the file (order ids, values), so such a cell is defused with a leading quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class FolderProblem(Exception):
    """The folder (or the file it should hold) cannot be used; the whole run fails with this
    message, and its error entry carries ``fix`` and the facts in ``attributes``."""

    def __init__(self, message: str, *, fix: str, attributes: dict[str, str]) -> None:
        super().__init__(message)
        self.fix = fix
        self.attributes = attributes


@dataclass(frozen=True, slots=True)
class _ReportLine:
    row: str
    action: str
    order_id: str
    result: str
    message: str


def check(settings: dict[str, Any]) -> None:
    """Refuse folder settings that could never work, when the source is created."""
    unknown = sorted(set(settings) - SETTINGS)
    if unknown:
        raise InvalidInput(
            f"unknown folder setting(s) {', '.join(unknown)}: a folder source takes "
            "folder, format and expected_file",
            field="settings",
        )
    folder = settings.get("folder")
    if not isinstance(folder, str) or not folder.strip():
        raise InvalidInput(
            "settings.folder is required: the folder the OMS drops its status files in",
            field="settings.folder",
        )
    if not Path(folder).is_absolute():
        raise InvalidInput(
            f"settings.folder must be an absolute path, not {folder!r}: workers may run "
            "from any directory",
            field="settings.folder",
        )
    file_format = settings.get("format", "auto")
    if file_format not in FORMATS:
        raise InvalidInput(
            f"settings.format is {file_format!r}: use csv, xml or auto (by file extension)",
            field="settings.format",
        )
    if "expected_file" in settings:
        _check_expected_file(settings["expected_file"])


def _check_expected_file(expected: Any) -> None:
    field = "settings.expected_file"
    if not isinstance(expected, str) or not expected.strip():
        raise InvalidInput(
            "settings.expected_file must be a file name or a glob such as status_*.csv",
            field=field,
        )
    if "/" in expected or "\\" in expected:
        raise InvalidInput(
            f"settings.expected_file {expected!r} must be a name inside the folder, without "
            "a path: put the path in settings.folder",
            field=field,
        )
    if expected.startswith(".") or expected.lower().endswith(_TEMPORARY_SUFFIXES):
        raise InvalidInput(
            f"settings.expected_file {expected!r} names a hidden or unfinished file, which is "
            "never read: name the finished file",
            field=field,
        )


async def run_folder(ctx: ServiceContext, source: StatusSource) -> RunResult:
    folder = Path(source.settings["folder"])
    file_format = str(source.settings.get("format", "auto"))
    expected = source.settings.get("expected_file")
    try:
        ready = await asyncio.to_thread(_ready_files, folder, expected)
    except FolderProblem as problem:
        return RunResult(error=str(problem), fix=problem.fix, error_attributes=problem.attributes)
    result = RunResult()
    for path in ready:
        await _take_file(ctx, source, folder, path, file_format, result)
    return result


def _ready_files(folder: Path, expected: str | None = None) -> list[Path]:
    """The files to read now, oldest first; ``processed/`` and ``failed/`` exist after.

    With ``expected`` only files of that name (glob) count, and none at all is a problem;
    one still being written is not: it is taken at the next run.
    """
    facts = {"folder": str(folder)}
    if expected:
        facts["expected_file"] = expected
    access = "give the user orderbridge runs as read and write access to the folder"
    try:
        is_folder = folder.is_dir()
    except OSError as exc:
        raise FolderProblem(
            f"status folder {folder} cannot be read ({exc.strerror}): give the orderbridge "
            "user access to it",
            fix=access,
            attributes=facts,
        ) from None
    if not is_folder:
        if folder.exists():
            raise FolderProblem(
                f"status folder {folder} is a file, not a folder: correct the source's "
                "folder setting",
                fix=f"{folder} is a file: correct the source's folder setting "
                "(status-sources update NAME --folder …)",
                attributes=facts,
            )
        raise FolderProblem(
            f"status folder {folder} does not exist: create it or correct the source's "
            "folder setting",
            fix=f"create {folder} (or mount the share it lives on), or correct the source's "
            "folder setting (status-sources update NAME --folder …)",
            attributes=facts,
        )
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:
        raise FolderProblem(
            f"status folder {folder} cannot be read ({exc.strerror}): give the orderbridge "
            "user read and write access to it",
            fix=access,
            attributes=facts,
        ) from None
    for name in (PROCESSED, FAILED):
        try:
            (folder / name).mkdir(exist_ok=True)
        except OSError as exc:
            raise FolderProblem(
                f"cannot create {folder / name} ({exc.strerror}): orderbridge moves each "
                "status file there once read; give it write access to the status folder",
                fix=access,
                attributes=facts,
            ) from None
    now = time.time()  # file times are wall-clock times, so compare with the wall clock
    found: list[tuple[float, str, Path]] = []
    expected_there = False
    for entry in entries:
        if entry.name.startswith(".") or entry.name.lower().endswith(_TEMPORARY_SUFFIXES):
            continue
        # Case-sensitive, as the file system is: STATUS_1.CSV is not status_*.csv.
        if expected and not fnmatch.fnmatchcase(entry.name, expected):
            continue
        try:
            if not entry.is_file():
                continue
            modified = entry.stat().st_mtime
        except OSError:
            continue  # gone since the listing: nothing to take
        expected_there = True
        if now - modified < _SETTLE_SECONDS:
            continue
        found.append((modified, entry.name, Path(entry.path)))
    if expected and not expected_there:
        raise FolderProblem(
            f"expected status file {expected} not found in status folder {folder}",
            fix=f"check that the OMS delivered a file named {expected} (case-sensitive) into "
            f"{folder}, finished (not .tmp, .part or hidden), before this run; or correct the "
            "source's expected_file setting, or its schedule to run after the delivery",
            attributes=facts,
        )
    return [path for _, _, path in sorted(found)]


async def _take_file(
    ctx: ServiceContext,
    source: StatusSource,
    folder: Path,
    path: Path,
    file_format: str,
    result: RunResult,
) -> None:
    try:
        content = await asyncio.to_thread(path.read_bytes)
    except FileNotFoundError:
        return  # taken by another run whose lease had run out
    except OSError as exc:
        await _refuse_file(ctx, source, folder, path, f"cannot read it ({exc.strerror})", result)
        return
    try:
        instructions = _parse(path.name, content, file_format)
    except StatusFileError as refused:
        await _refuse_file(ctx, source, folder, path, str(refused), result)
        return
    digest = hashlib.sha256(content).hexdigest()
    report: list[_ReportLine] = []
    for instruction in instructions:
        outcome, verdict = await _apply(ctx, source, path.name, digest, instruction)
        result.rows.append(outcome)
        report.extend(
            _ReportLine(
                str(row), instruction.action, instruction.order_id, verdict, outcome.message
            )
            for row in instruction.rows
        )
    everything_applied = all(line.result != REFUSED for line in report)
    destination = folder / (PROCESSED if everything_applied else FAILED)
    if await asyncio.to_thread(_file_away, path, destination, report, ctx.clock()):
        if everything_applied:
            result.files_processed += 1
        else:
            result.files_failed += 1


def _parse(name: str, content: bytes, file_format: str) -> list[Instruction]:
    if file_format == "auto":
        suffix = Path(name).suffix.lower()
        if suffix not in (".csv", ".xml"):
            raise StatusFileError(
                f"cannot tell the format of {name}: name status files *.csv or *.xml, or set "
                "the source's format to csv or xml"
            )
        file_format = suffix[1:]
    if file_format == "xml":
        return parse_status_xml(content)
    return parse_status_csv(content)


async def _apply(
    ctx: ServiceContext, source: StatusSource, name: str, digest: str, instruction: Instruction
) -> tuple[RowOutcome, str]:
    origin = f"{name}, row {instruction.row}"
    row = _status_row(instruction, origin, f"{digest}:{instruction.row}")
    if row is None:
        problem = instruction.problem or "the instruction names nothing to do"
        await _log_problem(ctx, source, origin, instruction, problem)
        return RowOutcome(origin, instruction.order_id, instruction.action, False, problem), REFUSED
    outcome = await apply_row(ctx, source, row)
    if not outcome.ok:
        return outcome, REFUSED
    return outcome, ALREADY_APPLIED if outcome.replayed else APPLIED


def _status_row(instruction: Instruction, origin: str, key: str) -> StatusRow | None:
    return status_row(instruction, origin=origin, key=key)


async def _log_problem(
    ctx: ServiceContext,
    source: StatusSource,
    origin: str,
    instruction: Instruction,
    problem: str,
) -> None:
    async with ctx.db.write() as conn:
        await record_error(
            conn,
            title=f"Status {instruction.action or 'row'} for order "
            f"{instruction.order_id or '(none)'} from {origin} refused: {problem}",
            operation="status_import",
            at=ctx.clock(),
            external_order_id=instruction.order_id[:100] or None,
            attributes={
                "source": source.name,
                "origin": origin,
                "fix": "correct the row and send it again in a new file, without the rows "
                "the file's report in failed/ shows as applied: a changed file is a new one, "
                "and its rows would be applied again",
            },
        )


async def _refuse_file(
    ctx: ServiceContext,
    source: StatusSource,
    folder: Path,
    path: Path,
    problem: str,
    result: RunResult,
) -> None:
    report = [_ReportLine("", "", "", REFUSED, f"file refused: {problem}")]
    moved = await asyncio.to_thread(_file_away, path, folder / FAILED, report, ctx.clock())
    if not moved:
        return
    result.files_failed += 1
    async with ctx.db.write() as conn:
        await record_error(
            conn,
            title=f"Status file {path.name} from source {source.name!r} refused: {problem}",
            operation="status_import",
            at=ctx.clock(),
            attributes={
                "source": source.name,
                "file": str(moved),
                "fix": "correct the file and drop it in the folder again; nothing in it "
                "was applied",
            },
        )


def _file_away(
    path: Path, destination: Path, report: Sequence[_ReportLine], at: datetime
) -> Path | None:
    """Move ``path`` into ``destination`` with its report; None when it was gone already."""
    target = _free_name(destination, path, at)
    report_path = target.with_name(target.name + REPORT_SUFFIX)
    _write_atomically(report_path, _report_bytes(report))
    try:
        # A rename within one folder tree is atomic: the OMS never sees half a move. The
        # source's lease makes this run the only one choosing names in ``destination``.
        path.rename(target)
    except FileNotFoundError:
        report_path.unlink(missing_ok=True)
        return None
    return target


def _free_name(destination: Path, path: Path, at: datetime) -> Path:
    def taken(candidate: Path) -> bool:
        report = candidate.with_name(candidate.name + REPORT_SUFFIX)
        return candidate.exists() or report.exists()

    target = destination / path.name
    if not taken(target):
        return target
    stamped = f"{path.stem}.{at.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    target = destination / f"{stamped}{path.suffix}"
    counter = 2
    while taken(target):
        target = destination / f"{stamped}-{counter}{path.suffix}"
        counter += 1
    return target


def _report_bytes(report: Sequence[_ReportLine]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    for line in report:
        writer.writerow(
            [
                line.row,
                _cell(line.action),
                _cell(line.order_id),
                line.result,
                _cell(line.message),
            ]
        )
    return buffer.getvalue().encode("utf-8")


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _write_atomically(path: Path, content: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


register_runner("folder", run_folder)
register_settings_check("folder", check)
