"""The connection form of the CONNECTIONS tab: its fields, what was posted read into the
terms of ``services.connections``, and the message beside each field to correct.

Credentials are write-only: the form never holds a stored value, an empty input keeps
the stored one, and a form shown again after a mistake leaves them empty. The service
stays the judge of every value; the form only checks what it must to call it (numbers
that are numbers, options that parse, a name that fits in an address).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from orderbridge.services.connections import (
    DEFAULT_INTERVAL_SECONDS,
    DEFAULT_LATE_WARNING_SECONDS,
    DEFAULT_OVERLAP_SECONDS,
    DEFAULT_TRACKING_WAIT_SECONDS,
    MAX_TRACKING_WAIT_SECONDS,
    MIN_INTERVAL_SECONDS,
    ConnectionSpec,
)
from orderbridge.services.errors import ServiceError
from orderbridge.services.queries import ConnectionView

# As the REST API: names travel in addresses, so they keep to URL-safe characters.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MAX_NAME_CHARS = 100

# The credentials each built-in channel asks for, in its seller portal's words. A plug-in
# channel's are entered as "other credential" name and value; the connector's own check
# says which one is missing either way.
CREDENTIALS: dict[str, tuple[tuple[str, str], ...]] = {
    "amazon": (
        ("client_id", "LWA client id"),
        ("client_secret", "LWA client secret"),
        ("refresh_token", "Refresh token"),
    ),
    "bol": (("client_id", "Client id"), ("client_secret", "Client secret")),
    "ebay": (
        ("client_id", "App id (client id)"),
        ("client_secret", "Cert id (client secret)"),
        ("refresh_token", "User refresh token"),
    ),
    "walmart": (("client_id", "Client id"), ("client_secret", "Client secret")),
}
OPTION_EXAMPLES = {
    "amazon": 'marketplace_ids=["A1PA6795UKMFR9"]',
    "bol": "fulfilment_method=FBR",
    "ebay": "marketplace_id=EBAY_DE",
    "walmart": "base_url=https://sandbox.walmartapis.com",
}

# (field, label, hint); all in seconds, as the service and its messages count.
NUMBERS = (
    (
        "import_interval_seconds",
        "Import interval (seconds)",
        f"Time between scheduled imports; at least {MIN_INTERVAL_SECONDS}.",
    ),
    (
        "overlap_seconds",
        "Overlap (seconds)",
        "How far back before the last import's end each import reads again, so changes "
        "the marketplace shows late are not missed.",
    ),
    (
        "tracking_wait_seconds",
        "Tracking wait (seconds)",
        "How long a shipment reported without a tracking number waits for one before it "
        f"is sent without; at most {MAX_TRACKING_WAIT_SECONDS} (7 days).",
    ),
    (
        "late_warning_seconds",
        "Late warning (seconds)",
        "Unshipped orders this close to their latest ship date are flagged in the error log.",
    ),
)
# (field, label, hint), in the order of the form.
FLAGS = (
    ("import_enabled", "Import on", "Scheduled and manual imports run for this connection."),
    ("auto_export", "Export new orders automatically", "Complete new orders go to the OMS."),
    (
        "visible_only",
        "Visible only",
        "Read and show the orders only: never export, acknowledge or update them (they are "
        "managed in the marketplace's seller portal).",
    ),
    (
        "check_catalog",
        "Check catalog",
        "Hold new orders the catalog cannot serve (unknown SKU, disabled product, too little "
        "stock) until it can.",
    ),
)
_NUMBER_FIELDS = tuple(name for name, _, _ in NUMBERS)
_FLAG_FIELDS = tuple(name for name, _, _ in FLAGS)
# The fields a ServiceError may name that have a place in the form; others go on top.
FORM_FIELDS = frozenset(
    {"name", "channel", "credentials", "options", "export_target", *_NUMBER_FIELDS}
)
OTHER_NAME = "other_credential_name"
OTHER_VALUE = "other_credential_value"


@dataclass(slots=True)
class Posted:
    """A posted form: what it shows again (never credentials), what is wrong, and the
    values in the service's terms."""

    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    credentials: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    numbers: dict[str, int] = field(default_factory=dict)


def credential_fields(channel: str) -> tuple[tuple[str, str], ...]:
    return CREDENTIALS.get(channel, ())


def options_text(options: dict[str, Any]) -> str:
    """The options as ``key=value`` lines; a value that is not plain text as JSON."""
    lines = []
    for key, value in options.items():
        if value is None:
            continue  # a removed option (see option_changes)
        plain = isinstance(value, str) and not _is_json(value) and "\n" not in value
        lines.append(f"{key}={value if plain else json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def parse_options(text: str) -> dict[str, Any]:
    """A JSON object, or ``key=value`` lines whose values are JSON where they parse and
    text otherwise (as ``orderbridge connections add --option``). Raises ValueError."""
    text = text.strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            raise ValueError(f"the options are not valid JSON: {exc}") from exc
        if not isinstance(parsed, dict):
            raise ValueError("the options must be one JSON object")
        return parsed
    options: dict[str, Any] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            raise ValueError(f"line {number} is not key=value: {line[:60]!r}")
        try:
            options[key] = json.loads(value)
        except ValueError:
            options[key] = value
    return options


def option_changes(stored: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """What to send so the stored options become ``wanted``; the service merges key by
    key, so a removed option is sent as null, which every channel reads as its default."""
    changes = {key: value for key, value in wanted.items() if stored.get(key) != value}
    for key, value in stored.items():
        if key not in wanted and value is not None:
            changes[key] = None
    return changes


def initial_values(view: ConnectionView | None, channel: str) -> dict[str, Any]:
    if view is None:
        return {
            "name": "",
            "channel": channel,
            "options": "",
            "export_target": "",
            "import_interval_seconds": str(DEFAULT_INTERVAL_SECONDS),
            "overlap_seconds": str(DEFAULT_OVERLAP_SECONDS),
            "tracking_wait_seconds": str(DEFAULT_TRACKING_WAIT_SECONDS),
            "late_warning_seconds": str(DEFAULT_LATE_WARNING_SECONDS),
            "import_enabled": True,
            "auto_export": True,
            "visible_only": False,
            "check_catalog": False,
            OTHER_NAME: "",
        }
    return {
        "name": view.name,
        "channel": view.channel,
        "options": options_text(view.options),
        "export_target": view.export_target or "",
        **{name: str(getattr(view, name)) for name in _NUMBER_FIELDS},
        **{name: bool(getattr(view, name)) for name in _FLAG_FIELDS},
        OTHER_NAME: "",
    }


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def read_posted(form: FormData, channel: str, *, name: str | None = None) -> Posted:
    """Read the form; ``name`` is the connection's when it exists (it cannot change)."""
    posted = Posted(
        values={
            "name": name if name is not None else _text(form, "name"),
            "channel": channel,
            "options": _text(form, "options"),
            "export_target": _text(form, "export_target"),
            **{flag: "1" in form.getlist(flag) for flag in _FLAG_FIELDS},
            **{number: _text(form, number) for number in _NUMBER_FIELDS},
            OTHER_NAME: _text(form, OTHER_NAME),
        }
    )
    if name is None:
        _check_name(posted)
    for number in _NUMBER_FIELDS:
        text = posted.values[number]
        if re.fullmatch(r"-?\d{1,9}", text):
            posted.numbers[number] = int(text)
        else:
            posted.errors[number] = "Enter a whole number of seconds."
    try:
        posted.options = parse_options(posted.values["options"])
    except ValueError as exc:
        posted.errors["options"] = str(exc)
    _read_credentials(form, channel, posted)
    return posted


def _check_name(posted: Posted) -> None:
    name = posted.values["name"]
    if not name:
        posted.errors["name"] = "Give the connection a name."
    elif len(name) > MAX_NAME_CHARS or not NAME_PATTERN.match(name):
        posted.errors["name"] = (
            f"Use at most {MAX_NAME_CHARS} letters, digits, '.', '_' and '-', starting with "
            "a letter or digit (the name appears in addresses)."
        )


def _read_credentials(form: FormData, channel: str, posted: Posted) -> None:
    for key, _ in credential_fields(channel):
        value = form.get(f"credential.{key}")
        if isinstance(value, str) and value.strip():
            posted.credentials[key] = value.strip()
    other_name = posted.values[OTHER_NAME]
    other_value = form.get(OTHER_VALUE)
    if isinstance(other_value, str) and other_value.strip():
        if not other_name:
            posted.errors["credentials"] = "Name the other credential you entered."
        else:
            posted.credentials[other_name] = other_value.strip()


def spec_of(posted: Posted) -> ConnectionSpec:
    values, numbers = posted.values, posted.numbers
    return ConnectionSpec(
        name=values["name"],
        channel=values["channel"],
        credentials=posted.credentials,
        options=posted.options,
        import_enabled=bool(values["import_enabled"]),
        import_interval_seconds=numbers["import_interval_seconds"],
        overlap_seconds=numbers["overlap_seconds"],
        auto_export=bool(values["auto_export"]),
        export_target=values["export_target"] or None,
        tracking_wait_seconds=numbers["tracking_wait_seconds"],
        late_warning_seconds=numbers["late_warning_seconds"],
        check_catalog=bool(values["check_catalog"]),
        visible_only=bool(values["visible_only"]),
    )


def changes_of(posted: Posted, view: ConnectionView) -> dict[str, Any]:
    """The changes to send: every plain setting (the service records only what differs),
    the options only when they differ, and only the credentials entered."""
    changes: dict[str, Any] = {
        **posted.numbers,
        **{flag: bool(posted.values[flag]) for flag in _FLAG_FIELDS},
        "export_target": posted.values["export_target"] or None,
    }
    options = option_changes(view.options, posted.options)
    if options:
        changes["options"] = options
    if posted.credentials:
        changes["credentials"] = posted.credentials
    return changes


def place_error(posted: Posted, exc: ServiceError) -> None:
    """Put the service's refusal beside the field it names, or on top of the form."""
    where = exc.field if exc.field in FORM_FIELDS else "form"
    posted.errors[where] = exc.message
