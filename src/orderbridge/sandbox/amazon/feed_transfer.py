"""The stand-in for Amazon's pre-signed S3 URLs: uploading feeds, downloading reports.

`PUT /_sandbox/uploads/{feedDocumentId}` stores the body as the document's content, as S3
does for a pre-signed PUT: no x-amz-access-token, 200 with an ETag, overwriting an earlier
upload. It answers 403 in S3's XML error shape once the URL has expired (5 minutes after
createFeedDocument) or when the Content-Type differs from the contentType given to
createFeedDocument (the use case guide: otherwise the upload fails; compared ignoring case
and spaces). `GET /_sandbox/downloads/{feedDocumentId}` serves a document's content (404
NoSuchKey when there is none). Both are counted in the statistics.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import Response

if TYPE_CHECKING:
    from orderbridge.sandbox.amazon.state import AmazonSimulator

UPLOAD_OPERATION = "feedDocumentUpload"
DOWNLOAD_OPERATION = "feedDocumentDownload"


def _s3_error(status: int, code: str, message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{escape(message)}</Message></Error>"
    )
    return Response(body, status_code=status, media_type="application/xml")


def _normalized(content_type: str) -> str:
    return "".join(content_type.split()).lower()


async def upload(request: Request) -> Response:
    simulator: AmazonSimulator = request.app.state.simulator
    response = await _upload(simulator, request)
    simulator.stats.record(UPLOAD_OPERATION, response.status_code)
    return response


async def _upload(simulator: AmazonSimulator, request: Request) -> Response:
    document = simulator.documents.get(request.path_params["feedDocumentId"])
    if document is None or document.is_result:
        return _s3_error(403, "AccessDenied", "Access Denied")
    if not document.upload_open(simulator.clock.timestamp()):
        return _s3_error(403, "AccessDenied", "Request has expired")
    sent = request.headers.get("content-type", "")
    if _normalized(sent) != _normalized(document.content_type):
        return _s3_error(
            403,
            "SignatureDoesNotMatch",
            f"The Content-Type {sent!r} differs from the contentType "
            f"{document.content_type!r} given to createFeedDocument.",
        )
    document.content = await request.body()
    etag = hashlib.md5(document.content, usedforsecurity=False).hexdigest()
    return Response(status_code=200, headers={"ETag": f'"{etag}"'})


async def download(request: Request) -> Response:
    simulator: AmazonSimulator = request.app.state.simulator
    simulator.settle_feeds()
    document = simulator.documents.get(request.path_params["feedDocumentId"])
    if document is None or document.content is None:
        response = _s3_error(404, "NoSuchKey", "The specified key does not exist.")
    else:
        response = Response(document.content, headers={"Content-Type": document.content_type})
    simulator.stats.record(DOWNLOAD_OPERATION, response.status_code)
    return response
