"""The workbench over the hand-built fixture ledger, through FastAPI's test client."""

from __future__ import annotations

import html as htmllib
import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newsledger.web import create_app

FIXTURE = Path(__file__).parent / "fixtures" / "web" / "ledger.json"
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def ledger_dir(tmp_path: Path) -> Path:
    shutil.copy(FIXTURE, tmp_path / "ledger.json")
    return tmp_path


@pytest.fixture
def client(ledger_dir: Path) -> TestClient:
    return TestClient(create_app(ledger_dir))


def ids(items: list[dict]) -> list[str]:
    return [i["id"] for i in items]


# ------------------------------------------------------------------ API


def test_api_events_lists_and_filters(client: TestClient) -> None:
    assert set(ids(client.get("/api/events").json()["events"])) == {"e-raid", "e-crash"}
    assert ids(client.get("/api/events", params={"type": "Battles"}).json()["events"]) == ["e-raid"]
    assert ids(client.get("/api/events", params={"place": "ent-westport"}).json()["events"]) == [
        "e-crash"
    ]
    by_status = client.get("/api/events", params={"status": "corroborated"}).json()
    assert ids(by_status["events"]) == ["e-raid"]
    assert client.get("/api/events", params={"date_from": "2024-03-13"}).json()["total"] == 0
    assert client.get("/api/events", params={"date_to": "2024-03-12"}).json()["total"] == 2


def test_api_events_full_text_search(client: TestClient) -> None:
    def search(q: str) -> list[str]:
        return sorted(ids(client.get("/api/events", params={"q": q}).json()["events"]))

    assert search("cargo plane") == ["e-crash", "e-raid"]  # the crash is also in a raid report
    assert search("NORTHVILE") == ["e-raid"]  # article text, case-folded
    assert search("fighting eastshire") == ["e-raid"]  # a claim statement, every word
    assert search("repelled westport-nowhere") == []


def test_api_event_detail_and_404(client: TestClient) -> None:
    event = client.get("/api/events/e-raid").json()
    assert event["title"].endswith(HOSTILE)  # JSON carries data verbatim
    assert {c["id"] for c in event["claims"]} == set(event["claim_ids"])
    assert {c["kind"] for c in event["conflicts"]} == {"contradiction", "numeric"}
    assert "ent-northville" in ids(event["entities"])
    missing = client.get("/api/events/nope")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/json")


def test_api_claims_entities_articles(client: TestClient) -> None:
    contested = client.get("/api/claims", params={"event_id": "e-raid", "status": "contested"})
    assert set(ids(contested.json()["claims"])) == {"c-control", "c-repelled", "c-k60", "c-k100"}
    assert client.get("/api/claims", params={"event_id": "e-crash"}).json()["total"] == 1
    places = client.get("/api/entities", params={"type": "GPE"}).json()["entities"]
    assert set(ids(places)) == {"ent-northville", "ent-eastshire", "ent-westport"}
    by_alias = client.get("/api/entities", params={"q": "northvile"}).json()["entities"]
    assert ids(by_alias) == ["ent-northville"]
    article = client.get("/api/articles/a-3").json()
    assert article["published_inferred"] is True and article["origin_group"] == "og-2"
    assert client.get("/api/articles/a-404").status_code == 404
    assert client.get("/api/events", params={"limit": 0}).status_code == 422


def test_openapi_and_local_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {
        "/api/events",
        "/api/events/{event_id}",
        "/api/claims",
        "/api/entities",
        "/api/articles/{article_id}",
        "/api/articles",
    } <= set(spec["paths"])
    docs = client.get("/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower() and "unpkg" not in docs.lower()


# ------------------------------------------------------------------ pages


def test_pages_render_and_unknown_ids_404(client: TestClient) -> None:
    for path in (
        "/events",
        "/events/e-raid",
        "/events/e-crash",
        "/articles",
        "/articles/a-1",
        "/entities",
        "/entities/ent-northville",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
    for path in ("/events/nope", "/articles/nope", "/entities/nope"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Not found" in response.text
    assert client.get("/", follow_redirects=False).headers["location"] == "/events"


def test_hostile_text_is_escaped_everywhere(client: TestClient) -> None:
    for path in (
        "/events",
        "/events/e-raid",
        "/articles/a-1",
        "/articles/a-3",
        "/articles",
        "/entities",
        "/entities/ent-volunteers",
        "/events?q=%3Cscript%3E",
    ):
        html = client.get(path).text
        assert HOSTILE not in html, path
        assert "<b>" not in html, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/articles/a-1").text
    # the reflected query stays a value, not markup
    assert 'value="&lt;script&gt;"' in client.get("/events?q=%3Cscript%3E").text


def test_event_list_htmx_partial(client: TestClient) -> None:
    full = client.get("/events", params={"status": "single-source"}).text
    partial = client.get(
        "/events", params={"status": "single-source"}, headers={"HX-Request": "true"}
    ).text
    assert "<html" in full and "<html" not in partial
    assert "/events/e-crash" in partial and "/events/e-raid" not in partial
    assert "1 of 2 events" in partial
    restore = client.get(
        "/events",
        params={"status": "single-source"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in restore.text  # the back button gets the whole page
    assert "HX-Request" in restore.headers["vary"]


def test_event_page_shows_conflict_sides_numbers_origins(client: TestClient) -> None:
    html = client.get("/events/e-raid").text
    assert html.count('class="conflict"') == 2
    assert 'class="sides sides-2"' in html and 'class="sides sides-3"' in html
    # every claim's evidence links to its span in the article page
    claims = json.loads(FIXTURE.read_text())["claims"]
    for claim in claims:
        if claim["event_id"] == "e-raid":
            for ev in claim["evidence"]:
                assert f'href="/articles/{ev["article_id"]}#ev-{ev["start"]}-{ev["end"]}"' in html
    # figures as ranges by claimant, widest last
    figures = re.findall(r'<td class="fig">([^<]+)', html)
    assert [f.strip() for f in figures] == ["60", "100", "0–300"]
    assert "2 reports, one origin" in html and "text overlap 0.71" in html
    points = json.loads(htmllib.unescape(re.search(r"data-points='([^']*)'", html)[1]))
    assert [(p["name"], p["primary"]) for p in points] == [
        ("Northville", True),
        ("Eastshire", False),
    ]
    assert all(p["focus"] for p in points)  # both within reach of the primary place


def test_article_page_marks_evidence_entities_numbers(client: TestClient) -> None:
    ledger = json.loads(FIXTURE.read_text())
    text = next(a for a in ledger["articles"] if a["id"] == "a-1")["text"]
    start = text.index("The Defence Ministry said")
    end = start + len("The Defence Ministry said the attack was repelled")
    html = client.get("/articles/a-1").text
    assert f'id="ev-{start}-{end}"' in html
    assert f'class="ev ev-{start}-{end}"' in html
    assert 'class="num n-' in html and ">60</span>" in html and ">100</span>" in html
    assert 'href="/entities/ent-northville"' in html
    assert "<details" in html and "Subscribe to our newsletter" in html


def test_entity_page_lists_aliases_mentions_and_map(client: TestClient) -> None:
    html = client.get("/entities/ent-northville").text
    assert "Northvile" in html and "51.2500" in html and "data-map" in html
    assert "/articles/a-3#m-" in html
    assert "data-map" not in client.get("/entities/ent-ministry").text


# ------------------------------------------------------------------ safety


def test_security_headers(client: TestClient) -> None:
    for path in ("/events", "/api/events", "/static/app.js", "/events/nope"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1]
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


def test_no_inline_scripts_or_handlers_in_pages(client: TestClient) -> None:
    for path in ("/events", "/events/e-raid", "/articles/a-1", "/entities/ent-northville", "/docs"):
        html = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"\son[a-z]+\s*=", html), path
        assert "http://" not in html.replace("http://www.w3.org", "") or path == "/articles/a-1"
        assert "https://" not in html or path == "/articles/a-1"


def test_static_path_traversal_refused(client: TestClient) -> None:
    assert client.get("/static/app.css").status_code == 200
    for path in (
        "/static/../app.py",
        "/static/%2e%2e/app.py",
        "/static/..%2fapp.py",
        "/static/vendor/../../data.py",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "LedgerIndex" not in response.text


def test_write_refused_without_configured_token(client: TestClient) -> None:
    body = {"text": "A report.", "title": "t"}
    assert client.post("/api/articles", json=body).status_code == 403
    assert (
        client.post(
            "/api/articles", json=body, headers={"Authorization": "Bearer anything"}
        ).status_code
        == 403
    )


def test_write_needs_the_right_token_and_small_body(ledger_dir: Path) -> None:
    client = TestClient(create_app(ledger_dir, token="s3cret"))
    body = {"text": "A report.", "title": "t"}
    assert client.post("/api/articles", json=body).status_code == 401
    wrong = client.post("/api/articles", json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    huge = client.post(
        "/api/articles",
        content=b'{"text": "' + b"x" * 2_100_000 + b'"}',
        headers={"Authorization": "Bearer s3cret", "Content-Type": "application/json"},
    )
    assert huge.status_code == 413
    bad = client.post(
        "/api/articles", json={"title": "no text"}, headers={"Authorization": "Bearer s3cret"}
    )
    assert bad.status_code == 422


def test_reloads_when_ledger_changes(ledger_dir: Path, client: TestClient) -> None:
    assert client.get("/api/events").json()["total"] == 2
    data = json.loads((ledger_dir / "ledger.json").read_text())
    data["events"] = data["events"][:1]
    path = ledger_dir / "ledger.json"
    path.write_text(json.dumps(data))
    later = time.time() + 5
    os.utime(path, (later, later))
    assert client.get("/api/events").json()["total"] == 1
    assert client.get("/events/e-crash").status_code == 404


def test_missing_or_broken_ledger_keeps_serving(tmp_path: Path) -> None:
    client = TestClient(create_app(tmp_path))
    assert client.get("/api/events").json()["total"] == 0
    assert client.get("/events").status_code == 200
    shutil.copy(FIXTURE, tmp_path / "ledger.json")
    assert client.get("/api/events").json()["total"] == 2
    (tmp_path / "ledger.json").write_text('{"schema": "other"}')
    later = time.time() + 5
    os.utime(tmp_path / "ledger.json", (later, later))
    assert client.get("/api/events").json()["total"] == 2  # last good load
    assert "cannot read ledger.json" in client.get("/events").text


def test_tile_url_extends_image_sources(ledger_dir: Path) -> None:
    tiles = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    client = TestClient(create_app(ledger_dir, tile_url=tiles))
    assert (
        "img-src 'self' data: https://*.tile.example.org"
        in client.get("/events").headers["content-security-policy"]
    )
    assert (
        'data-tile-url="https://{s}.tile.example.org/{z}/{x}/{y}.png"'
        in client.get("/events/e-raid").text
    )
    with pytest.raises(ValueError):
        create_app(ledger_dir, tile_url="javascript:alert(1)")


def test_vendored_assets_are_pinned_and_local() -> None:
    static = Path(__file__).parents[1] / "src" / "newsledger" / "web" / "static" / "vendor"
    versions = (static / "VERSIONS.txt").read_text()
    assert "htmx.org        2." in versions and "leaflet         1.9." in versions
    world = json.loads((static / "world" / "countries-110m.geojson").read_text())
    assert world["type"] == "FeatureCollection" and len(world["features"]) > 150
    assert (static / "leaflet" / "images" / "marker-icon.png").exists()


def test_conflict_camps_when_the_ledger_gives_them(ledger_dir: Path) -> None:
    path = ledger_dir / "ledger.json"
    data = json.loads(path.read_text())
    numeric = next(c for c in data["conflicts"] if c["kind"] == "numeric")
    numeric["sides"] = [["c-k60"], ["c-k100", "c-k300"]]
    path.write_text(json.dumps(data))
    html = TestClient(create_app(ledger_dir)).get("/events/e-raid").text
    block = html[html.index('id="conflict-k-killed"') :]
    block = block[: block.index("</section>")]
    assert 'class="sides sides-2"' in block
    assert block.count('class="side side-stack"') == 2
    assert "Side 2 · 2 claims" in block


def test_fixture_follows_the_export_schema() -> None:
    import jsonschema

    schema_path = Path(__file__).parents[1] / "schema" / "ledger.schema.json"
    data = json.loads(FIXTURE.read_text())
    jsonschema.validate(data, json.loads(schema_path.read_text()))
    # spans point at the quoted text, so highlighting cannot drift
    texts = {a["id"]: a["text"] for a in data["articles"]}
    for claim in data["claims"]:
        for ev in claim["evidence"]:
            assert texts[ev["article_id"]][ev["start"] : ev["end"]] == ev["quote"]
    for entity in data["entities"]:
        for m in entity["mentions"]:
            assert texts[m["article_id"]][m["start"] : m["end"]] == m["text"]


def test_loopback_server_refuses_foreign_host_headers(ledger_dir: Path) -> None:
    """DNS rebinding: a page on another name that resolves to 127.0.0.1 sends its own Host."""
    from newsledger.web.app import host_names

    app = create_app(ledger_dir, allowed_hosts=host_names("127.0.0.1"))
    local = TestClient(app, base_url="http://127.0.0.1:8000")
    assert local.get("/api/events").status_code == 200
    foreign = TestClient(app, base_url="http://rebound.example:8000")
    assert foreign.get("/api/events").status_code == 400
    assert host_names("0.0.0.0") == ["*"]


# ------------------------------------------------------------------ words for people, not codes


def visible_text(page: str) -> str:
    """The text a reader sees: no tags, no attribute values, no scripts or styles."""
    page = re.sub(r"(?s)<(script|style|svg)[^>]*>.*?</\1>", " ", page)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", page))


def test_breadcrumbs_name_the_record_not_its_id(client: TestClient) -> None:
    for url, name, raw in (
        ("/events/e-crash", "Westport", "e-crash"),
        ("/entities/ent-ministry", "Defence Ministry", "ent-ministry"),
        ("/articles/a-3", "Eastshire officials give toll", "a-3"),
    ):
        crumbs = re.search(r'(?s)<nav class="crumbs".*?</nav>', client.get(url).text)
        assert crumbs, url
        assert name in visible_text(crumbs.group(0)) and raw not in visible_text(crumbs.group(0))


def test_entity_types_and_place_kinds_are_words(client: TestClient) -> None:
    page = client.get("/entities").text
    text = visible_text(page)
    for code in ("ARMED_GROUP", "GPE", "P.PPL", "A.ADM1"):
        assert not re.search(rf"(?<![\w.]){re.escape(code)}(?![\w.])", text), code
    assert "Armed group" in text and "town or village" in text and "first-level region" in text
    assert 'value="ARMED_GROUP"' in page  # the filter still sends the code
    filtered = client.get("/entities", params={"type": "ORG"}).text
    assert "Defence Ministry" in filtered and "Northville" not in visible_text(filtered)


def test_articles_page_shows_origins_and_dates_for_people(client: TestClient) -> None:
    text = visible_text(client.get("/articles").text)
    assert "og-1" not in text and "og-2" not in text
    assert "shared by 2 reports" in text and "independent" in text
    assert "2024-03-12 16:00" in text and "T16:00" not in text and "16:00:00" not in text


def test_timeline_says_event_date_without_internal_precision_codes(client: TestClient) -> None:
    text = visible_text(client.get("/events/e-crash").text)
    assert "Event date" in text
    assert "(day)" not in text and "unknown precision" not in text


def test_an_article_no_claim_cites_says_so_in_words(ledger_dir: Path) -> None:
    data = json.loads((ledger_dir / "ledger.json").read_text(encoding="utf-8"))
    quiet = {**data["articles"][2], "id": "a-quiet", "title": "A report nobody quotes"}
    data["articles"].append(quiet)
    (ledger_dir / "ledger.json").write_text(json.dumps(data), encoding="utf-8")
    text = visible_text(TestClient(create_app(ledger_dir)).get("/articles/a-quiet").text)
    assert "No claim cites this article." in text
    assert not re.search(r"\bNone\b", text)


def test_timeline_writes_times_one_way(client: TestClient) -> None:
    text = visible_text(client.get("/events/e-raid").text)
    assert "2024-03-12 16:00" in text
    assert "16:00:00" not in text and "T16:00" not in text


@pytest.mark.parametrize(
    ("stamp", "shown"),
    [
        ("2024-03-13T15:35:00-04:00", "2024-03-13 15:35 -04:00"),
        ("2024-03-12T16:00:00", "2024-03-12 16:00"),
        ("2024-03-12T08:05:00Z", "2024-03-12 08:05 UTC"),
        ("2024-03-12T00:00:00+00:00", "2024-03-12"),
        ("2024-03-12", "2024-03-12"),
    ],
)
def test_pages_write_timestamps_as_the_report_does(stamp: str, shown: str) -> None:
    from newsledger.report.brief import when as report_when
    from newsledger.web.app import _templates

    macro = _templates().env.from_string('{% from "_labels.html" import when %}{{ when(v) }}')
    assert macro.render(v=stamp).strip() == shown == report_when(stamp)


def test_event_outside_acled_reads_as_such(ledger_dir: Path) -> None:
    data = json.loads((ledger_dir / "ledger.json").read_text())
    event = data["events"][0]
    event["event_type"], event["sub_event_type"] = "Not political violence", "Accident"
    (ledger_dir / "ledger.json").write_text(json.dumps(data))
    client = TestClient(create_app(ledger_dir))
    page = htmllib.unescape(client.get(f"/events/{event['id']}").text)
    assert "Type: Accident (not political violence; outside ACLED's categories)" in page
    assert "Not political violence · Accident" not in page
    listing = htmllib.unescape(client.get("/events").text)
    assert "Accident (not political violence; outside ACLED's categories)" in listing


def test_ingest_into_a_damaged_database_answers_with_the_clear_message(
    ledger_dir: Path,
) -> None:
    (ledger_dir / "ledger.sqlite").write_bytes(b"this is not a database" * 100)
    client = TestClient(create_app(ledger_dir, token="s3cret"))
    reply = client.post(
        "/api/articles",
        json={"text": "A report.", "title": "t"},
        headers={"Authorization": "Bearer s3cret"},
    )
    assert reply.status_code == 503
    detail = reply.json()["detail"]
    assert "is not a newsledger database or is damaged" in detail
    assert "move it aside" in detail
    assert not list(ledger_dir.glob(".incoming-*")), "the upload's temporary file is removed"
