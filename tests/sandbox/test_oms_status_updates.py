"""The sandbox OMS's status-update feed: what an OMS vendor's endpoint must do, done honestly."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from orderbridge.sandbox.oms import create_app
from tests.support.servers import serving

TOKEN = "feed-token-7f3a"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def oms() -> Iterator[httpx.Client]:
    with (
        serving(create_app("webhook-secret", status_token=TOKEN)) as url,
        httpx.Client(base_url=url, timeout=10) as client,
    ):
        yield client


@pytest.fixture
def open_oms() -> Iterator[httpx.Client]:
    """A sandbox OMS configured without a status token."""
    with (
        serving(create_app("webhook-secret")) as url,
        httpx.Client(base_url=url, timeout=10) as client,
    ):
        yield client


def shipment(order_id: str, **extra: object) -> dict[str, object]:
    return {"type": "shipment", "order_id": order_id, "tracking_number": "1Z999", **extra}


def poll(client: httpx.Client, **params: str | int) -> httpx.Response:
    return client.get("/status-updates", params=params, headers=AUTH)


def test_updates_come_back_in_order_with_assigned_ids(oms: httpx.Client) -> None:
    added = oms.post(
        "/status-updates", json=[shipment("A-1"), shipment("A-2", id="oms-77"), shipment("A-3")]
    )
    assert added.status_code == 201
    assert added.json()["added"] == 3

    body = poll(oms).json()

    assert [update["order_id"] for update in body["updates"]] == ["A-1", "A-2", "A-3"]
    ids = [update["id"] for update in body["updates"]]
    assert ids == added.json()["ids"]
    assert ids[1] == "oms-77"
    assert len(set(ids)) == 3
    assert body["has_more"] is False
    assert body["updates"][0]["tracking_number"] == "1Z999"


def test_a_single_update_can_be_posted_without_a_list(oms: httpx.Client) -> None:
    oms.post("/status-updates", json={"type": "refund", "order_id": "B-1", "reason": "damaged"})

    (update,) = poll(oms).json()["updates"]

    assert update["type"] == "refund"
    assert update["reason"] == "damaged"


def test_the_cursor_pages_through_and_then_reads_only_newer_updates(oms: httpx.Client) -> None:
    oms.post("/status-updates", json=[shipment(f"C-{n}") for n in range(5)])

    first = poll(oms, limit=2).json()
    second = poll(oms, limit=2, since=first["next_cursor"]).json()
    third = poll(oms, limit=2, since=second["next_cursor"]).json()

    assert [u["order_id"] for u in first["updates"]] == ["C-0", "C-1"]
    assert [u["order_id"] for u in second["updates"]] == ["C-2", "C-3"]
    assert [u["order_id"] for u in third["updates"]] == ["C-4"]
    assert (first["has_more"], second["has_more"], third["has_more"]) == (True, True, False)

    idle = poll(oms, since=third["next_cursor"]).json()
    assert idle["updates"] == []
    assert idle["next_cursor"] == third["next_cursor"]

    oms.post("/status-updates", json=shipment("C-5"))
    newer = poll(oms, since=idle["next_cursor"]).json()
    assert [u["order_id"] for u in newer["updates"]] == ["C-5"]


def test_the_same_update_posted_twice_is_served_twice(oms: httpx.Client) -> None:
    oms.post("/status-updates", json=shipment("D-1", id="dup-1"))
    oms.post("/status-updates", json=shipment("D-1", id="dup-1"))

    updates = poll(oms).json()["updates"]

    assert [u["id"] for u in updates] == ["dup-1", "dup-1"]


def test_reset_forgets_updates_but_old_cursors_still_mean_after_them(oms: httpx.Client) -> None:
    oms.post("/status-updates", json=[shipment("E-1"), shipment("E-2")])
    cursor = poll(oms).json()["next_cursor"]

    assert oms.delete("/status-updates").json() == {"reset": True}
    assert poll(oms).json()["updates"] == []

    oms.post("/status-updates", json=shipment("E-3"))
    after_old_cursor = poll(oms, since=cursor).json()["updates"]
    assert [u["order_id"] for u in after_old_cursor] == ["E-3"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}],
    ids=["missing", "wrong-token", "wrong-scheme"],
)
def test_polling_without_the_right_token_is_refused(
    oms: httpx.Client, headers: dict[str, str]
) -> None:
    oms.post("/status-updates", json=shipment("F-1"))

    response = oms.get("/status-updates", headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["error"] == "unauthorized"
    assert "F-1" not in response.text
    assert oms.get("/status-updates/stats").json()["unauthorized"] == 1


def test_a_sandbox_without_a_token_serves_anyone(open_oms: httpx.Client) -> None:
    open_oms.post("/status-updates", json=shipment("G-1"))

    response = open_oms.get("/status-updates")

    assert response.status_code == 200
    assert [u["order_id"] for u in response.json()["updates"]] == ["G-1"]


def test_a_cursor_the_feed_never_gave_is_refused(oms: httpx.Client) -> None:
    response = poll(oms, since="not-a-cursor")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_cursor"


def test_a_limit_out_of_range_is_refused(oms: httpx.Client) -> None:
    assert poll(oms, limit=0).status_code == 422
    assert poll(oms, limit=1001).status_code == 422


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"{not json"])
def test_adding_something_that_is_not_updates_is_refused(oms: httpx.Client, body: bytes) -> None:
    response = oms.post(
        "/status-updates", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code in (400, 422)
    assert oms.get("/status-updates/stats").json()["updates"] == 0


def test_injected_faults_answer_the_next_polls_then_stop(oms: httpx.Client) -> None:
    oms.post("/status-updates", json=shipment("H-1"))
    oms.post("/status-updates/faults", json={"count": 2, "status": 503, "body": "maintenance"})

    answers = [poll(oms) for _ in range(3)]

    assert [a.status_code for a in answers] == [503, 503, 200]
    assert answers[0].text == "maintenance"
    assert [u["order_id"] for u in answers[2].json()["updates"]] == ["H-1"]


def test_a_fault_can_wait_for_some_good_polls_first(oms: httpx.Client) -> None:
    oms.post("/status-updates", json=[shipment("J-1"), shipment("J-2")])
    oms.post("/status-updates/faults", json={"after": 1, "status": 502})

    first = poll(oms, limit=1)
    second = poll(oms, limit=1, since=first.json()["next_cursor"])
    third = poll(oms, limit=1, since=first.json()["next_cursor"])

    assert [first.status_code, second.status_code, third.status_code] == [200, 502, 200]
    assert [u["order_id"] for u in third.json()["updates"]] == ["J-2"]


def test_sandbox_reset_empties_the_feed_too(oms: httpx.Client) -> None:
    oms.post("/status-updates", json=shipment("I-1"))

    oms.post("/_sandbox/reset")

    assert poll(oms).json()["updates"] == []
