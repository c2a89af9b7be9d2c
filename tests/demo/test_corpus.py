"""The demo corpus is what the brief promises: small, bilingual, and planted with what later features must find."""

from __future__ import annotations

from pathlib import Path

import yaml

from flows.demo import corpus_inventory

DEMO = Path(__file__).resolve().parents[2] / "demo"


def test_sizes_and_counts() -> None:
    size = sum(p.stat().st_size for p in DEMO.rglob("*") if p.is_file())
    assert size < 5 * 1024 * 1024
    counts = corpus_inventory(DEMO)
    assert counts["documents"] >= 20
    assert counts["chats"] >= 60 and counts["work_orders"] >= 60
    assert counts["calls"] >= 12 and counts["sales_conversations"] >= 20


def test_documents_in_both_languages_with_front_matter() -> None:
    languages: dict[str, int] = {}
    for doc in (DEMO / "docs").rglob("*.md"):
        front = yaml.safe_load(doc.read_text(encoding="utf-8").split("---")[1])
        assert {"title", "product", "language", "kind"} <= set(front), doc
        languages[front["language"]] = languages.get(front["language"], 0) + 1
    assert languages.get("en", 0) >= 10 and languages.get("zh", 0) >= 10


def test_calls_are_two_channel_8khz_with_metadata() -> None:
    import av

    for audio in sorted((DEMO / "calls").glob("*.ogg")):
        with av.open(str(audio)) as container:
            stream = container.streams.audio[0]
            assert (stream.channels, stream.rate) == (2, 8000), audio.name
        assert audio.with_suffix(".json").exists()


def test_planted_signals_are_declared() -> None:
    expected = yaml.safe_load((DEMO / "expected.yaml").read_text(encoding="utf-8"))
    alerts = [a for a in expected["andon"]["planted"] if a["should_alert"]]
    assert alerts and all(a["distinct_customers"] >= 2 for a in alerts)
    assert all(not a["should_alert"] for a in expected["andon"]["non_triggers"])
    assert expected["lost_deals"] and expected["knowledge"] and expected["pii"]["must_mask"]
