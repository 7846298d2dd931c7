"""The RETURNS tab over HTTP: what each role sees and may do, the import buttons, filters and
pages, the export toolbar's answers per return, and a return in full with its decisions."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from orderbridge.domain.returns import ReturnStatus
from orderbridge.store import feeds
from orderbridge.store.tables import import_feeds, outbox
from tests.web.conftest import Admin, csrf_of
from tests.web.seed_data import a_return, shop, store_returns

ORDER = "302-0000000-0000001"


async def test_a_viewer_sees_returns_but_no_payload_and_may_not_act(
    admin: Admin, tmp_path: Path
) -> None:
    connection_id, _ = await shop(admin.ctx, tmp_path, 1)
    ids = await store_returns(admin.ctx, connection_id, [a_return("R-1", ORDER)])
    async with admin.client("vera") as browser:
        page = await browser.get("/returns")
        assert page.status_code == 200
        assert "R-1" in page.text and 'href="/orders/' in page.text
        assert 'id="export-to-oms" disabled' in page.text
        detail = await browser.get(f"/returns/{ids['R-1']}")
        assert "Ada Lovelace" not in detail.text and "buyerName" not in detail.text
        assert "your role does not show it" in detail.text
        assert 'action="/returns/' not in detail.text  # no decision form
        token = csrf_of(page.text)
        for path, data in (
            ("/returns/import", {"connection": ""}),
            ("/returns/export", {"return_id": str(ids["R-1"])}),
            (f"/returns/{ids['R-1']}/decisions", {"decision": "refund"}),
        ):
            refused = await browser.post(path, data={"csrf_token": token, **data})
            assert refused.status_code == 403, path
            assert "may not import, export, retry or cancel" in refused.text
    async with admin.client("otto") as browser:
        detail = await browser.get(f"/returns/{ids['R-1']}")
        assert "buyerName" in detail.text and "Record decision" in detail.text


async def test_import_returns_for_one_connection_and_for_all(admin: Admin, tmp_path: Path) -> None:
    await shop(admin.ctx, tmp_path, 1)
    async with admin.client("otto") as browser:
        everything = await browser.get("/returns")
        assert "Import returns for all connections" in everything.text
        one = await browser.get("/returns", params={"connection": "amazon-de"})
        assert "Import returns</button>" in one.text
        assert "Last successful import: <time>never</time>" in one.text
        token = csrf_of(one.text)
        answer = await browser.post(
            "/returns/import", data={"csrf_token": token, "connection": "amazon-de"}
        )
        assert answer.status_code == 303
        shown = await browser.get(answer.headers["location"])
        assert "Return import triggered for amazon-de." in shown.text
        assert "selected>amazon-de" in shown.text  # still the chosen connection
        answer = await browser.post("/returns/import", data={"csrf_token": token})
        shown = await browser.get(answer.headers["location"])
        assert "Return import triggered for amazon-de." in shown.text
        unknown = await browser.post(
            "/returns/import", data={"csrf_token": token, "connection": "nope"}
        )
        shown = await browser.get(unknown.headers["location"])
        assert "no connection named nope" in shown.text
    async with admin.ctx.db.read() as conn:
        due = (
            await conn.execute(
                select(import_feeds.c.next_poll_at).where(import_feeds.c.feed == feeds.RETURNS)
            )
        ).scalar_one()
    assert due <= admin.ctx.clock()


async def test_a_form_without_the_sessions_csrf_token_is_refused(
    admin: Admin, tmp_path: Path
) -> None:
    connection_id, _ = await shop(admin.ctx, tmp_path, 1)
    ids = await store_returns(admin.ctx, connection_id, [a_return("R-1", ORDER)])
    async with admin.client("ada") as browser:
        forged = await browser.post(
            "/returns/export", data={"csrf_token": "forged", "return_id": str(ids["R-1"])}
        )
        assert forged.status_code == 403
        assert "did not come from this site" in forged.text
    async with admin.ctx.db.read() as conn:
        assert (await conn.execute(select(outbox))).first() is None


async def test_search_filters_and_keyset_pages(admin: Admin, tmp_path: Path) -> None:
    connection_id, _ = await shop(admin.ctx, tmp_path, 2)
    snaps = [a_return(f"R-{n:03d}", ORDER, day=n % 5) for n in range(53)]
    snaps.append(a_return("R-OTHER", "302-0000001-0000001", sku="SKU-1", day=9))
    snaps.append(
        a_return("R-DONE", ORDER, status=ReturnStatus.REFUNDED, day=9, reason="NO_LONGER_NEEDED")
    )
    snaps.append(a_return("R-BLOCKED", ORDER, line="nope", sku="OTHER", day=9))
    await store_returns(admin.ctx, connection_id, snaps)
    async with admin.client("otto") as browser:
        first = await browser.get("/returns")
        assert first.text.count('name="return_id"') == 50
        assert "50 returns on this page" in first.text
        next_link = first.text.split('rel="next" href="')[1].split('"')[0]
        second = await browser.get(next_link.replace("&amp;", "&"))
        assert second.text.count('name="return_id"') == 6
        assert "« First page" in second.text

        async def shown(**params: str) -> set[str]:
            page = await browser.get("/returns", params={"connection": "amazon-de", **params})
            assert page.status_code == 200
            return {
                chunk.split('"')[0] for chunk in page.text.split('aria-label="Choose return ')[1:]
            }

        assert await shown(q="R-OTHER") == {"R-OTHER"}
        assert await shown(q="302-0000001") == {"R-OTHER"}
        assert await shown(q="SKU-1") == {"R-OTHER"}
        assert await shown(status="refunded") == {"R-DONE"}
        assert await shown(import_status="blocked") == {"R-BLOCKED"}
        assert len(await shown(export_status="not_exported")) == 50
        assert await shown(requested_from="2026-11-10", requested_to="2026-11-10") == {
            "R-OTHER",
            "R-DONE",
            "R-BLOCKED",
        }
        assert len(await shown(requested_from="2026-11-01", requested_to="2026-11-01")) == 11
        odd = await browser.get("/returns", params={"status": "lost"})
        assert odd.status_code == 200 and "status &#39;lost&#39; is not one of" in odd.text
        stale = await browser.get("/returns", params={"cursor": "not-a-cursor"})
        assert stale.status_code == 200 and "cursor is not valid" in stale.text


async def test_export_answers_per_return_with_the_reason_for_refused_ones(
    admin: Admin, tmp_path: Path
) -> None:
    connection_id, _ = await shop(admin.ctx, tmp_path, 1)
    ids = await store_returns(
        admin.ctx,
        connection_id,
        [a_return("R-OK", ORDER), a_return("R-BAD", ORDER, line="nope", sku="OTHER", day=1)],
    )
    async with admin.client("otto") as browser:
        page = await browser.get("/returns", params={"q": "R-"})
        nothing = await browser.post(
            "/returns/export", data={"csrf_token": csrf_of(page.text), "back": "/returns"}
        )
        assert "Choose+at+least+one+return" in nothing.headers["location"]
        answer = await browser.post(
            "/returns/export",
            data={
                "csrf_token": csrf_of(page.text),
                "return_id": [str(ids["R-OK"]), str(ids["R-BAD"])],
                "back": "/returns?q=R-",
            },
        )
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/returns?q=R-&")
        shown = await browser.get(answer.headers["location"])
        assert "Export to OMS triggered for 1 return." in shown.text
        assert f"return {ids['R-BAD']}: not fully imported" in shown.text
        offsite = await browser.post(
            "/returns/export",
            data={
                "csrf_token": csrf_of(page.text),
                "return_id": str(ids["R-OK"]),
                "back": "https://evil.example/returns",
            },
        )
        assert offsite.headers["location"].startswith("/returns?")
        again = await browser.get(offsite.headers["location"])
        assert f"return {ids['R-OK']}: already scheduled for export" in again.text
    async with admin.ctx.db.read() as conn:
        kinds = (await conn.execute(select(outbox.c.kind, outbox.c.subject_id))).all()
    assert [(kind, subject) for kind, subject in kinds] == [("export_return", ids["R-OK"])]


async def test_a_return_in_full_and_a_decision_recorded_or_refused(
    admin: Admin, tmp_path: Path
) -> None:
    connection_id, _ = await shop(admin.ctx, tmp_path, 1)
    ids = await store_returns(admin.ctx, connection_id, [a_return("R-1", ORDER)])
    here = f"/returns/{ids['R-1']}"
    async with admin.client("otto") as browser:
        page = await browser.get(here)
        assert page.status_code == 200
        assert f"{ORDER}-1" in page.text  # the order line it sends back
        assert 'href="/orders/' in page.text and "DEFECTIVE" in page.text
        assert "imported</strong> by test" in page.text  # the timeline
        token = csrf_of(page.text)
        accept = await browser.post(
            f"{here}/decisions", data={"csrf_token": token, "decision": "accept"}
        )
        assert accept.headers["location"].startswith(f"{here}?problem=")
        refused = await browser.get(accept.headers["location"])
        assert "amazon takes no &#39;accept&#39; of a return" in refused.text
        refund = await browser.post(
            f"{here}/decisions",
            data={"csrf_token": token, "decision": "refund", "note": "parcel arrived"},
        )
        done = await browser.get(refund.headers["location"])
        assert "Decision recorded: refund." in done.text
        assert "parcel arrived" in done.text and "10.00 EUR" in done.text
        assert "decision recorded</strong> by ui:otto" in done.text
        twice = await browser.post(
            f"{here}/decisions", data={"csrf_token": token, "decision": "refund"}
        )
        assert "recorded+already" in twice.headers["location"]
        odd = await browser.post(f"{here}/decisions", data={"csrf_token": token, "decision": "x"})
        assert "Choose+accept" in odd.headers["location"]
        missing = await browser.get("/returns/424242")
        assert missing.status_code == 404 and "return 424242 does not exist" in missing.text
    async with admin.ctx.db.read() as conn:
        kinds = (await conn.execute(select(outbox.c.kind))).scalars().all()
    assert kinds == ["return_decision"]
