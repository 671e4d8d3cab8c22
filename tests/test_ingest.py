"""Readers and rejections of the ingest stage: every bad input has a reason, none stops the run."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest

from newsledger.ingest import IngestOptions, read_inputs
from newsledger.model import Article, Rejection

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
RU = (
    "Российские добровольцы заявили во вторник, что вошли в приграничное село в Курской "
    "области. Министерство обороны сообщило, что атака была отражена."
)
EN = (
    "Fighters crossed the border on Tuesday and took control of a village, the group said. "
    "The ministry said the attack had been repelled and the border was secure."
)


def run(*sources: Path | str, **options: object) -> tuple[list[Article], list[Rejection]]:
    items = list(read_inputs([str(s) for s in sources], IngestOptions(**options)))
    articles = [i for i in items if isinstance(i, Article)]
    rejections = [i for i in items if isinstance(i, Rejection)]
    assert len(articles) + len(rejections) == len(items)
    return articles, rejections


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_bad_inputs_are_rejected_and_good_ones_survive(tmp_path: Path) -> None:
    write(tmp_path / "a_empty.txt", b"")
    write(tmp_path / "b_binary.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    write(tmp_path / "c_good.txt", EN.encode())
    write(tmp_path / "d_big.txt", b"word " * 3000)
    write(tmp_path / "e_spaces.txt", b"  \n\n\t \x00\x00 \n")
    articles, rejections = run(tmp_path, max_bytes=10_000)
    assert [Path(a.path_or_url).name for a in articles] == ["c_good.txt"]
    reasons = {Path(r.path_or_url).name: r.reason for r in rejections}
    assert "empty" in reasons["a_empty.txt"]
    assert "binary" in reasons["b_binary.txt"] and "PNG" in reasons["b_binary.txt"]
    assert "over the limit" in reasons["d_big.txt"]
    assert "empty" in reasons["e_spaces.txt"]


def test_random_binary_under_text_name_is_rejected(tmp_path: Path) -> None:
    noise = bytes((i * 7919 + 13) % 256 for i in range(5000))
    _, rejections = run(write(tmp_path / "notes.txt", noise))
    assert len(rejections) == 1 and "binary" in rejections[0].reason


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("cp1251", b""), ("koi8-r", b""), ("utf-16", b""), ("utf-8", b"\xef\xbb\xbf")],
)
def test_encodings_are_detected(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    articles, rejections = run(write(tmp_path / "ru.txt", prefix + RU.encode(encoding)))
    assert not rejections
    assert articles[0].text == RU
    assert articles[0].language == "ru"


def test_nul_bytes_are_stripped(tmp_path: Path) -> None:
    articles, _ = run(write(tmp_path / "nul.txt", EN.replace(" ", " \x00", 5).encode()))
    assert articles[0].text == EN


def test_missing_path_and_bad_schemes(tmp_path: Path) -> None:
    _, rejections = run(tmp_path / "nowhere.txt", "file:///etc/passwd", "ftp://example.org/x")
    reasons = [r.reason for r in rejections]
    assert "no such file" in reasons[0]
    assert "scheme 'file'" in reasons[1] and "scheme 'ftp'" in reasons[2]


def test_folder_is_walked_sorted_and_hidden_files_skipped(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    write(tmp_path / "b" / "one.txt", ("One. " + EN).encode())
    write(tmp_path / "a.txt", ("Two. " + EN).encode())
    write(tmp_path / ".secret.txt", EN.encode())
    write(tmp_path / ".hidden" / "x.txt", EN.encode())
    articles, rejections = run(tmp_path)
    assert not rejections
    assert [Path(a.path_or_url).relative_to(tmp_path).as_posix() for a in articles] == [
        "a.txt",
        "b/one.txt",
    ]


def test_excluded_paths_are_skipped_by_the_walker_but_a_named_file_is_read(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    write(tmp_path / "a.txt", ("One. " + EN).encode())
    write(tmp_path / "skip.txt", ("Two. " + EN).encode())
    write(out / "report.md", ("Three. " + EN).encode())
    write(out / "sub" / "more.txt", ("Four. " + EN).encode())
    articles, rejections = run(tmp_path, exclude=(str(out), str(tmp_path / "skip.txt")))
    assert not rejections
    assert [Path(a.path_or_url).name for a in articles] == ["a.txt"]
    named, _ = run(out / "report.md", exclude=(str(out),))
    assert len(named) == 1, "exclude applies to what a folder walk finds, not to named inputs"


def test_limit_rejections_tell_the_user_how_to_raise_the_limit(tmp_path: Path) -> None:
    write(tmp_path / "big.txt", b"word " * 300)
    write(tmp_path / "big.jsonl", json.dumps({"text": "word " * 300}).encode() + b"\n")
    write(tmp_path / "big.json", json.dumps({"text": "w" * 300}).encode())
    _, rejections = run(tmp_path / "big.txt", tmp_path / "big.jsonl", max_bytes=1000)
    (array_limit,) = run(tmp_path / "big.json", max_bytes=310)[1]
    for rejection in [*rejections, array_limit]:
        assert "(raise the limit with --max-bytes)" in rejection.reason, rejection.reason
        assert "IngestOptions" not in rejection.reason
    assert len(rejections) == 2


def test_json_without_records_is_rejected_in_plain_words(tmp_path: Path) -> None:
    write(tmp_path / "a_empty.json", b"[]")
    write(tmp_path / "b_object.json", b'{"foo": 1, "items": []}')
    write(tmp_path / "c_string.json", b'"just a string"')
    articles, rejections = run(tmp_path)
    assert not articles
    reasons = {Path(r.path_or_url).name: r.reason for r in rejections}
    assert reasons["a_empty.json"] == "the JSON array is empty"
    assert reasons["b_object.json"].startswith(
        "the JSON document is an object with no article records (expected objects with a "
        "text, content or body field)"
    )
    assert reasons["c_string.json"].startswith("the JSON document is a string")


def test_a_missing_source_is_marked_as_the_command_s_fault(tmp_path: Path) -> None:
    from newsledger.ingest import is_missing_source

    write(tmp_path / "empty.txt", b"")
    _, rejections = run(tmp_path / "nope.txt", tmp_path / "empty.txt")
    assert [is_missing_source(r) for r in rejections] == [True, False]


def test_special_files_are_not_opened(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "pipe.txt")
    write(tmp_path / "z.txt", EN.encode())
    articles, rejections = run(tmp_path)
    assert len(articles) == 1 and "not a regular file" in rejections[0].reason


def test_same_article_twice_has_one_identity(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", EN.encode())
    write(tmp_path / "b.txt", ("Share\n\n" + EN + "\n").encode("utf-16"))
    articles, _ = run(tmp_path)
    assert articles[0].id == articles[1].id == "a-" + articles[0].content_hash[:12]


def test_header_line_gives_date_and_title(tmp_path: Path) -> None:
    text = " date 2024-03-12 Fighters cross the border\n\n" + EN
    articles, _ = run(write(tmp_path / "h.txt", text.encode()))
    article = articles[0]
    assert (article.title, article.published, article.published_basis) == (
        "Fighters cross the border",
        "2024-03-12",
        "header",
    )
    assert article.removed[0].reason == "metadata header"
    assert article.text == EN


def test_jsonl_broken_line_rejects_only_that_line(tmp_path: Path) -> None:
    lines = [
        json.dumps({"doc_id": "d1", "title": "T1", "content": EN, "dct": "2014-01-28"}),
        '{"doc_id": "d2", "content": "broken',
        json.dumps(
            {
                "id": 3,
                "body": "Other. " + EN,
                "uri": "https://www.example.org/a/1",
                "source": {"name": "Example Times"},
                "published": "2014-01-29T10:00:00Z",
            }
        ),
        json.dumps(["not", "an", "object"]),
        json.dumps({"title": "no text"}),
        "",
    ]
    path = write(tmp_path / "docs.jsonl", "\n".join(lines).encode())
    articles, rejections = run(path)
    assert [a.path_or_url for a in articles] == [f"{path}#d1", "https://www.example.org/a/1"]
    assert articles[0].published == "2014-01-28" and articles[0].title == "T1"
    assert articles[1].outlet == "Example Times"
    assert articles[1].published == "2014-01-29T10:00:00+00:00"
    assert [r.path_or_url for r in rejections[:2]] == [f"{path}:2", f"{path}:4"]
    assert "line 2: invalid JSON" in rejections[0].reason
    assert "expected a JSON object" in rejections[1].reason
    assert "no text" in rejections[2].reason


def test_jsonl_huge_line_is_skipped_not_held(tmp_path: Path) -> None:
    good = json.dumps({"text": EN})
    data = good + "\n" + '{"text": "' + "x" * 50_000 + '"}\n' + good.replace("Tuesday", "Monday")
    articles, rejections = run(write(tmp_path / "big.jsonl", data.encode()), max_bytes=5_000)
    assert len(articles) >= 2
    assert rejections[0].path_or_url.endswith(":2") and "longer than" in rejections[0].reason


def test_jsonl_gz_streams(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as packed:
        for n in range(30):
            packed.write((json.dumps({"id": n, "text": f"Item {n}. {EN}"}) + "\n").encode())
    path = write(tmp_path / "docs.jsonl.gz", buffer.getvalue())
    articles, rejections = run(path)
    assert len(articles) == 30 and not rejections
    assert articles[-1].path_or_url == f"{path}#29"


def test_truncated_jsonl_gz_keeps_what_it_read(tmp_path: Path) -> None:
    lines = b"".join(
        (json.dumps({"id": n, "text": f"Item {n} " * 50 + EN}) + "\n").encode() for n in range(200)
    )
    data = gzip.compress(lines)
    articles, rejections = run(write(tmp_path / "cut.jsonl.gz", data[: len(data) // 2]))
    assert articles
    assert rejections[-1].path_or_url.endswith("cut.jsonl.gz")
    assert "truncated" in rejections[-1].reason


def test_json_array_and_object(tmp_path: Path) -> None:
    array = [{"text": EN, "title": "A"}, {"content": "Second. " + EN}, 5]
    write(tmp_path / "a.json", json.dumps(array).encode())
    write(tmp_path / "b.json", json.dumps({"articles": [{"body": "Third. " + EN}]}).encode())
    write(tmp_path / "c.json", json.dumps({"text": "Fourth. " + EN, "outlet": "Wire"}).encode())
    write(tmp_path / "d.json", b'{"text": "cut')
    articles, rejections = run(tmp_path)
    assert len(articles) == 4
    assert articles[3].outlet == "Wire"
    assert [r.path_or_url.rsplit("/", 1)[-1] for r in rejections] == ["a.json[2]", "d.json"]
    assert "invalid JSON" in rejections[1].reason


HTML = """<!DOCTYPE html><html><head><title>Raid on border - The Daily</title>
<meta property="og:site_name" content="The Daily">
<meta property="article:published_time" content="2024-03-12T10:30:00+00:00">
<meta name="author" content="Jane Roe"></head><body><nav><a href="/">Home</a></nav>
<article><h1>Raid on border</h1><p>{p1}</p><p>{p2}</p></article></body></html>"""


def test_html_metadata(tmp_path: Path) -> None:
    first, second = EN.split(". ", 1)
    page = HTML.format(p1=first + ".", p2=second)
    articles, rejections = run(write(tmp_path / "page.txt", page.encode()))
    assert not rejections
    article = articles[0]
    assert article.title == "Raid on border"
    assert article.outlet == "The Daily" and article.byline == "Jane Roe"
    assert article.published == "2024-03-12T10:30:00+00:00"
    assert article.published_basis == "html metadata"
    assert "Fighters crossed the border" in article.text and "Home" not in article.text


def test_html_without_text_is_rejected(tmp_path: Path) -> None:
    _, rejections = run(write(tmp_path / "x.html", b"<html><body><div></div></body></html>"))
    assert "no article text" in rejections[0].reason


FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Wire Feed</title>
<item><title>First</title><link>https://news.example.org/1</link>
<pubDate>Tue, 12 Mar 2024 10:00:00 GMT</pubDate><description>{one}</description></item>
<item><title>Second</title><link>https://news.example.org/2</link>
<description>&lt;p&gt;{two}&lt;/p&gt;</description></item>
<item><title>Third</title><link>https://news.example.org/3</link><description>Cut off in the mid"""


def test_truncated_feed_yields_items_and_a_rejection(tmp_path: Path) -> None:
    feed = FEED.format(one=EN, two="Second story. " + EN)
    articles, rejections = run(write(tmp_path / "feed.xml", feed.encode()))
    assert [a.path_or_url for a in articles][:2] == [
        "https://news.example.org/1",
        "https://news.example.org/2",
    ]
    assert articles[0].published == "2024-03-12T10:00:00+00:00"
    assert articles[0].outlet == "Wire Feed" and articles[0].title == "First"
    assert articles[1].text.startswith("Second story.")
    assert rejections[-1].path_or_url.endswith("feed.xml")
    assert "truncated" in rejections[-1].reason


def test_complete_atom_feed(tmp_path: Path) -> None:
    atom = f"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
    <entry><title>E1</title><link href="https://x.example.org/e1"/>
    <updated>2024-03-12T08:00:00Z</updated><content type="html">{EN}</content></entry></feed>"""
    articles, rejections = run(write(tmp_path / "atom", atom.encode()))
    assert not rejections and articles[0].title == "E1"


def test_single_gzipped_document_and_gzip_bomb(tmp_path: Path) -> None:
    write(tmp_path / "a.txt.gz", gzip.compress(EN.encode()))
    write(tmp_path / "b.txt.gz", gzip.compress(b"\n" * 20_000_000))
    articles, rejections = run(tmp_path, max_bytes=100_000)
    assert articles[0].text == EN
    assert "over the limit" in rejections[0].reason


def _warc(records: list[tuple[str, str, bytes]]) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for url, content_type, body in records:
        http = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http)
        )
    return buffer.getvalue()


def test_warc_html_responses(tmp_path: Path) -> None:
    first, second = EN.split(". ", 1)
    page = HTML.format(p1=first + ".", p2=second).encode()
    data = _warc(
        [
            ("https://www.daily.example/raid", "text/html; charset=utf-8", page),
            ("https://www.daily.example/logo.png", "image/png", b"\x89PNG"),
            ("https://www.daily.example/empty", "text/html", b"<html><body></body></html>"),
        ]
    )
    articles, rejections = run(write(tmp_path / "crawl.warc.gz", data))
    assert [a.path_or_url for a in articles] == ["https://www.daily.example/raid"]
    assert articles[0].outlet == "The Daily"
    assert [r.path_or_url for r in rejections] == ["https://www.daily.example/empty"]


def test_truncated_warc(tmp_path: Path) -> None:
    page = HTML.format(p1="One.", p2=EN).encode()
    data = _warc([(f"https://a.example/{n}", "text/html", page + b" " * n) for n in range(3)])
    articles, rejections = run(write(tmp_path / "cut.warc.gz", data[:-10]))
    assert len(articles) >= 2
    assert rejections and rejections[-1].path_or_url.endswith("cut.warc.gz")


def test_archives_stream_with_bounded_memory(tmp_path: Path) -> None:
    import tracemalloc

    paragraph = " ".join(f"Sentence number {n} about the border raid." for n in range(150))
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as packed:
        for n in range(150):
            packed.write((json.dumps({"id": n, "text": f"{n}. {paragraph}"}) + "\n").encode())
    path = write(tmp_path / "many.jsonl.gz", buffer.getvalue())
    total = 150 * len(paragraph)
    list(read_inputs([str(FIXTURES / "seeds")], IngestOptions()))  # warm caches and models
    tracemalloc.start()
    count = sum(1 for _ in read_inputs([str(path)], IngestOptions()))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 150
    assert peak < total / 4, (peak, total)


def test_article_from_text_matches_file_ingest(tmp_path: Path) -> None:
    from newsledger.ingest import article_from_text

    (from_file,), _ = run(write(tmp_path / "a.txt", ("Share\n\n" + EN).encode()))
    given = article_from_text("Share\r\n\r\n" + EN, "upload", published="2024-03-12")
    assert isinstance(given, Article)
    assert given.id == from_file.id and given.published == "2024-03-12"
    assert isinstance(article_from_text(" \n", "upload"), Rejection)


def test_pipeline_callers_never_read_their_own_output_folder(tmp_path: Path) -> None:
    from newsledger.pipeline import analyze

    src = tmp_path / "in"
    src.mkdir()
    write(src / "a.txt", EN.encode())
    out = src / "out"
    first = analyze([str(src)], out)
    again = analyze([str(src)], out)
    assert (first.read_articles, again.read_articles) == (1, 1)
    assert again.new_articles == 0 and again.new_rejections == 0
    assert [a.path_or_url for a in again.ledger.articles] == [str(src / "a.txt")]
    assert not again.ledger.rejected
