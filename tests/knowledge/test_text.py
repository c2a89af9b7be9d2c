"""Sentence ends, terms and language, in Chinese and English."""

from __future__ import annotations

from core.language import detect_language
from knowledge.text import size_units, split_sentences, tokenize


def test_sentences_end_at_chinese_and_english_marks() -> None:
    text = "滤芯每6个月更换一次。漏水怎么办？请关闭角阀！Replace it every 6 months. Is it covered? Yes!"
    assert split_sentences(text) == [
        "滤芯每6个月更换一次。",
        "漏水怎么办？",
        "请关闭角阀！",
        "Replace it every 6 months.",
        "Is it covered?",
        "Yes!",
    ]


def test_decimals_abbreviations_and_initials_do_not_end_a_sentence() -> None:
    text = "Inlet pressure is 0.1 to 0.4 MPa, e.g. in flats. Ask Dr. Wang or J. Smith. Done."
    assert split_sentences(text) == [
        "Inlet pressure is 0.1 to 0.4 MPa, e.g. in flats.",
        "Ask Dr. Wang or J. Smith.",
        "Done.",
    ]


def test_line_breaks_end_sentences() -> None:
    assert split_sentences("first item\nsecond item") == ["first item", "second item"]


def test_tokenize_segments_chinese_and_stems_english() -> None:
    terms = tokenize("How often should I replace the LM-FC30 filters? 净水器滤芯漏水了")
    assert {"replace", "lm-fc30", "lm", "fc30", "filter"} <= set(terms)
    assert {"净水器", "滤芯", "漏水"} <= set(terms)
    assert "the" not in terms and "了" not in terms
    assert tokenize("call [PHONE] or [EMAIL]") == ["call"]  # masking placeholders are not terms


def test_language_detection_and_size_units() -> None:
    assert detect_language("AquaPure X3 滤芯座漏水怎么办") == "zh"
    assert detect_language("The filter leaks") == "en"
    assert detect_language("12345") is None
    assert size_units("ab") == 2 and size_units("滤芯") == 4
