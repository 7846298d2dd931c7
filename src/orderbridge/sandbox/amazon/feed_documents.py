"""Feed documents: the uploaded inputs and the processing reports, with their URLs' lifetimes.

createFeedDocument hands out an upload URL that stands in for Amazon's pre-signed S3 URL:
`PUT {base}/_sandbox/uploads/{feedDocumentId}`, usable for 5 minutes after creation (the
model: "This URL expires after 5 minutes"). A document id can be passed to createFeed for two
days (feeds use case guide, step 1). Result documents (processing reports) are created by
the simulator when a feed finishes and served from `GET {base}/_sandbox/downloads/{id}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import uuid4

UPLOAD_URL_TTL_SECONDS = 5 * 60
DOCUMENT_TTL_SECONDS = 2 * 24 * 3600


@dataclass
class FeedDocument:
    document_id: str
    content_type: str
    created: float
    is_result: bool = False
    content: bytes | None = None

    def upload_open(self, now: float) -> bool:
        return not self.is_result and now < self.created + UPLOAD_URL_TTL_SECONDS

    def usable_for_feed(self, now: float) -> bool:
        return not self.is_result and now < self.created + DOCUMENT_TTL_SECONDS


class DocumentStore:
    def __init__(self) -> None:
        self._documents: dict[str, FeedDocument] = {}

    def _new_id(self) -> str:
        return f"amzn1.tortuga.4.sandbox.{uuid4()}"

    def create(self, content_type: str, now: float) -> FeedDocument:
        document = FeedDocument(self._new_id(), content_type, now)
        self._documents[document.document_id] = document
        return document

    def add_result(self, content: bytes, content_type: str, now: float) -> FeedDocument:
        document = FeedDocument(self._new_id(), content_type, now, True, content)
        self._documents[document.document_id] = document
        return document

    def get(self, document_id: str) -> FeedDocument | None:
        return self._documents.get(document_id)

    def clear(self) -> None:
        self._documents.clear()


def upload_url(base_url: str, document_id: str) -> str:
    return f"{base_url.rstrip('/')}/_sandbox/uploads/{document_id}"


def download_url(base_url: str, document_id: str) -> str:
    return f"{base_url.rstrip('/')}/_sandbox/downloads/{document_id}"
