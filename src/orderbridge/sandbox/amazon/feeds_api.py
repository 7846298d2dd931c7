"""The Feeds API 2021-06-30 operations (feeds_2021-06-30.json) the order feeds need.

- createFeedDocument `POST /feeds/2021-06-30/documents {contentType}` -> 201
  `{feedDocumentId, url}`; url is the simulator's upload stand-in (see `feed_documents.py`).
- createFeed `POST /feeds/2021-06-30/feeds {feedType, marketplaceIds, inputFeedDocumentId,
  feedOptions?}` -> 202 `{feedId}`; 400 for an unsupported feed type, unknown marketplace, or
  a document that was never uploaded (or is older than two days).
- getFeed `GET /feeds/2021-06-30/feeds/{feedId}` -> the `Feed` object; 404 if unknown.
- getFeeds `GET /feeds/2021-06-30/feeds` with feedTypes (or nextToken alone), marketplaceIds,
  processingStatuses, createdSince (default 90 days ago), createdUntil (default now) and
  pageSize (1-100, default 10) -> `{feeds, nextToken?}`, newest first.
- getFeedDocument `GET /feeds/2021-06-30/documents/{feedDocumentId}` -> `{feedDocumentId,
  url}` with url the simulator's download stand-in; 404 if unknown.

Supported feed types are the order feeds of `feeds.FEED_KINDS`.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from orderbridge.sandbox.amazon.errors import invalid_input, not_found
from orderbridge.sandbox.amazon.feed_documents import download_url, upload_url
from orderbridge.sandbox.amazon.feeds import FEED_KINDS, PROCESSING_STATUSES, Feed
from orderbridge.sandbox.amazon.pipeline import Answer, read_json_object, run_operation
from orderbridge.sandbox.amazon.query import check_names, parse_datetime
from orderbridge.sandbox.amazon.views import iso

if TYPE_CHECKING:
    from orderbridge.sandbox.amazon.state import AmazonSimulator

FEEDS_PATH = "/feeds/2021-06-30/feeds"
FEED_PATH = "/feeds/2021-06-30/feeds/{feedId}"
DOCUMENTS_PATH = "/feeds/2021-06-30/documents"
DOCUMENT_PATH = "/feeds/2021-06-30/documents/{feedDocumentId}"
GET_FEEDS_PARAMS = (
    "feedTypes", "marketplaceIds", "pageSize", "processingStatuses", "createdSince",
    "createdUntil", "nextToken",
)  # fmt: skip
_ARRAY_PARAMS = frozenset({"feedTypes", "marketplaceIds", "processingStatuses"})
_RETENTION_SECONDS = 90 * 86400


def render_feed(feed: Feed, now: float) -> dict[str, Any]:
    status = feed.status(now)
    body: dict[str, Any] = {
        "feedId": feed.feed_id,
        "feedType": feed.feed_type,
        "marketplaceIds": list(feed.marketplace_ids),
        "createdTime": iso(feed.created),
        "processingStatus": status,
    }
    if status != "IN_QUEUE":
        body["processingStartTime"] = iso(feed.starts)
    if feed.processed:
        body["processingEndTime"] = iso(feed.ends)
    if feed.result_document_id is not None:
        body["resultFeedDocumentId"] = feed.result_document_id
    return body


def _unknown_fields(body: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise invalid_input(
            f"Unknown field(s) [{', '.join(unknown)}].",
            "The model declares: " + ", ".join(sorted(allowed)) + ".",
        )


async def create_feed_document(request: Request) -> Response:
    return await run_operation(request, "createFeedDocument", _create_document)


async def _create_document(simulator: AmazonSimulator, request: Request) -> Answer:
    body = await read_json_object(request)
    _unknown_fields(body, {"contentType"})
    content_type = body.get("contentType")
    if not isinstance(content_type, str) or not content_type.strip():
        raise invalid_input(
            "Missing required field [contentType].", 'For XML feeds: "text/xml; charset=UTF-8".'
        )
    document = simulator.documents.create(content_type, simulator.clock.timestamp())
    url = upload_url(str(request.base_url), document.document_id)
    return Answer(201, {"feedDocumentId": document.document_id, "url": url})


async def create_feed(request: Request) -> Response:
    return await run_operation(request, "createFeed", _create_feed, write=True)


async def _create_feed(simulator: AmazonSimulator, request: Request) -> Answer:
    body = await read_json_object(request)
    _unknown_fields(body, {"feedType", "marketplaceIds", "inputFeedDocumentId", "feedOptions"})
    feed_type = body.get("feedType")
    if feed_type not in FEED_KINDS:
        raise invalid_input(
            f"Invalid value [feedType]: {feed_type!r} is not supported.",
            "The simulator processes: " + ", ".join(sorted(FEED_KINDS)) + ".",
        )
    marketplace_ids = body.get("marketplaceIds")
    if (
        not isinstance(marketplace_ids, list)
        or not 1 <= len(marketplace_ids) <= 25
        or not all(isinstance(m, str) for m in marketplace_ids)
    ):
        raise invalid_input(
            "Invalid value [marketplaceIds].", "Give 1 to 25 marketplace ids as strings."
        )
    unknown = [m for m in marketplace_ids if m not in simulator.settings.marketplace_ids]
    if unknown:
        raise invalid_input(
            f"Invalid value [marketplaceIds]: {', '.join(unknown)}.",
            "The seller sells in: " + ", ".join(simulator.settings.marketplace_ids) + ".",
        )
    options = body.get("feedOptions", {})
    if not isinstance(options, dict) or not all(isinstance(v, str) for v in options.values()):
        raise invalid_input("Invalid value [feedOptions].", "feedOptions maps names to strings.")
    document_id = body.get("inputFeedDocumentId")
    now = simulator.clock.timestamp()
    document = simulator.documents.get(document_id) if isinstance(document_id, str) else None
    if document is None or not document.usable_for_feed(now):
        raise invalid_input(
            f"Invalid value [inputFeedDocumentId]: {document_id!r}.",
            "Use a feedDocumentId from createFeedDocument, at most two days old.",
        )
    if document.content is None:
        raise invalid_input(
            "Invalid value [inputFeedDocumentId]: the document has no content.",
            "Upload the feed to the document's url before calling createFeed.",
        )
    feed = simulator.feeds.create(
        feed_type,
        tuple(dict.fromkeys(marketplace_ids)),
        document.document_id,
        document.content,
        now,
        simulator.settings.feed_duration_seconds,
    )
    return Answer(202, {"feedId": feed.feed_id})


async def get_feed(request: Request) -> Response:
    return await run_operation(request, "getFeed", _get_feed)


async def _get_feed(simulator: AmazonSimulator, request: Request) -> Answer:
    check_names(request.query_params.multi_items(), ())
    feed = simulator.feeds.get(request.path_params["feedId"])
    if feed is None:
        raise not_found("The requested feed was not found.", "Unknown feedId.")
    return Answer(200, render_feed(feed, simulator.clock.timestamp()))


async def get_feed_document(request: Request) -> Response:
    return await run_operation(request, "getFeedDocument", _get_document)


async def _get_document(simulator: AmazonSimulator, request: Request) -> Answer:
    params = request.query_params.multi_items()
    check_names(params, ("enableContentEncodingUrlHeader",))
    document_id = request.path_params["feedDocumentId"]
    document = simulator.documents.get(document_id)
    if document is None:
        raise not_found("The requested feed document was not found.", "Unknown feedDocumentId.")
    url = download_url(str(request.base_url), document.document_id)
    return Answer(200, {"feedDocumentId": document.document_id, "url": url})


async def get_feeds(request: Request) -> Response:
    return await run_operation(request, "getFeeds", _get_feeds)


def _csv(params: dict[str, str], name: str) -> list[str] | None:
    raw = params.get(name)
    if raw is None:
        return None
    values = [v.strip() for v in raw.split(",") if v.strip()]
    if not values:
        raise invalid_input(f"Invalid value [{name}].", f"{name} must not be empty.")
    return values


def _encode_token(query: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(query, sort_keys=True).encode()).decode()


def _decode_token(token: str) -> dict[str, Any]:
    try:
        query = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError):
        query = None
    if not isinstance(query, dict) or "offset" not in query:
        raise invalid_input("Invalid value [nextToken].", "Pass nextToken exactly as returned.")
    return query


def _feeds_params(items: list[tuple[str, str]]) -> dict[str, str]:
    """Query parameters by name; arrays may come comma-separated or repeated (swagger csv)."""
    unknown = sorted({name for name, _ in items} - set(GET_FEEDS_PARAMS))
    if unknown:
        raise invalid_input(
            f"Unknown query parameter(s): {', '.join(unknown)}.",
            f"Accepted parameters: {', '.join(GET_FEEDS_PARAMS)}.",
        )
    params: dict[str, str] = {}
    for name, value in items:
        if name in _ARRAY_PARAMS and name in params:
            params[name] = f"{params[name]},{value}"
        elif name in params:
            raise invalid_input(f"Query parameter {name} must be given at most once.")
        else:
            params[name] = value
    return params


async def _get_feeds(simulator: AmazonSimulator, request: Request) -> Answer:
    params = _feeds_params(request.query_params.multi_items())
    now = simulator.clock.timestamp()
    if "nextToken" in params:
        if len(params) > 1:
            raise invalid_input(
                "nextToken must be the only parameter.",
                "Call getFeeds with only the nextToken returned by the previous page.",
            )
        query = _decode_token(params["nextToken"])
    else:
        query = _first_query(params, now)
    feeds = [
        feed
        for feed in simulator.feeds
        if feed.feed_type in query["feedTypes"]
        and (
            query["marketplaceIds"] is None
            or set(feed.marketplace_ids) & set(query["marketplaceIds"])
        )
        and (query["statuses"] is None or feed.status(now) in query["statuses"])
        and query["since"] <= feed.created <= query["until"]
    ]
    feeds.sort(key=lambda f: (f.created, int(f.feed_id)), reverse=True)
    offset, size = query["offset"], query["pageSize"]
    body: dict[str, Any] = {"feeds": [render_feed(f, now) for f in feeds[offset : offset + size]]}
    if offset + size < len(feeds):
        body["nextToken"] = _encode_token({**query, "offset": offset + size})
    return Answer(200, body)


def _first_query(params: dict[str, str], now: float) -> dict[str, Any]:
    feed_types = _csv(params, "feedTypes")
    if feed_types is None:
        raise invalid_input("Missing required field [feedTypes].", "Give feedTypes or nextToken.")
    statuses = _csv(params, "processingStatuses")
    bad = [s for s in statuses or () if s not in PROCESSING_STATUSES]
    if bad:
        raise invalid_input(
            f"Invalid value [processingStatuses]: {', '.join(bad)}.",
            "Allowed: " + ", ".join(PROCESSING_STATUSES) + ".",
        )
    page_size = params.get("pageSize", "10")
    if not page_size.isdigit() or not 1 <= int(page_size) <= 100:
        raise invalid_input("Invalid value [pageSize].", "pageSize is an integer within 1..100.")
    since = (
        parse_datetime("createdSince", params["createdSince"])
        if "createdSince" in params
        else now - _RETENTION_SECONDS
    )
    until = (
        parse_datetime("createdUntil", params["createdUntil"]) if "createdUntil" in params else now
    )
    return {
        "feedTypes": feed_types,
        "marketplaceIds": _csv(params, "marketplaceIds"),
        "statuses": statuses,
        "since": since,
        "until": until,
        "pageSize": int(page_size),
        "offset": 0,
    }
