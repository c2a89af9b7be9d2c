"""Masking: the labelled set (precision/recall), near-misses, and the forms ASR and IMEs produce."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.masking import find_pii, mask_text

LABELLED = Path(__file__).resolve().parents[2] / "bench" / "data" / "pii_labelled.jsonl"


def score(rows: list[dict[str, object]]) -> tuple[float, float]:
    tp = fp = fn = 0
    for row in rows:
        gold = {(p["kind"], p["value"]) for p in row["pii"]}  # type: ignore[attr-defined]
        pred = {(s.kind, s.value) for s in find_pii(str(row["text"]))}
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1)


def test_labelled_set_precision_and_recall() -> None:
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 200
    assert {r["lang"] for r in rows} == {"zh", "en"}
    assert sum(1 for r in rows if not r["pii"]) >= 80  # plenty of near-misses
    precision, recall = score(rows)
    assert recall >= 0.99 and precision >= 0.95, (precision, recall)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的手机是13812345678，谢谢", "我的手机是[PHONE]，谢谢"),
        ("电话 +86 139-1234-5678 或 0086 13912345678", "电话 [PHONE] 或 [PHONE]"),
        ("座机010-12345678，(0755)8888-1234", "座机[PHONE]，[PHONE]"),
        ("身份证11010519491231002x", "身份证[ID_CARD]"),
        ("卡号6222 0212 3456 7894 ok", "卡号[BANK_CARD] ok"),
        ("card 4111-1111-1111-1111.", "card [BANK_CARD]."),
        ("mail me: Zhang.Wei+cx@Example.COM!", "mail me: [EMAIL]!"),
        ("call (415) 555-0134 or +44 20 7946 0958", "call [PHONE] or [PHONE]"),
        ("号码是一三八一二三四五六七八", "号码是[PHONE]"),
        ("号码是幺三八 幺二三四 五六七八", "号码是[PHONE]"),
        ("手机１３８１２３４５６７８", "手机[PHONE]"),
        ("john dot smith at gmail dot com", "[EMAIL]"),
    ],
)
def test_masks_each_form(text: str, expected: str) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "订单号 202611050012345，金额¥1,299.00",
        "order LM20261105-8842 shipped via SF1234567890123",
        "型号 LM-WP300，滤芯 LM-FC30，2,000 升",
        "2026-11-05 13:45 到货，12期免息",
        "客服热线 400-820-1234",
        "身份证 110105194912310021",  # wrong check digit
        "卡号 6222020200112233441",  # fails Luhn
        "ticket 2026110500123456 refunded $129.99",
        "version 2.10.3, 95% battery",
        "buying signal:+1.10100.0%",  # a signed score run into a percentage: too few digits for a phone
    ],
)
def test_near_misses_stay(text: str) -> None:
    assert mask_text(text) == text


def test_empty_and_plain_text() -> None:
    assert mask_text("") == ""
    assert mask_text("The filter lasts six months.") == "The filter lasts six months."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # grouped digits: IDs 6-8-4 / 6-4-4-4 with spaces, dashes or dots; cards and phones with dots
        ("身份证 110105 19491231 002X 谢谢", "身份证 [ID_CARD] 谢谢"),
        ("ID 110105-1949-1231-002X", "ID [ID_CARD]"),
        ("证件号110105.19491231.002X", "证件号[ID_CARD]"),
        ("卡号6222.0212.3456.7894", "卡号[BANK_CARD]"),
        ("手机 138.1234.5678", "手机 [PHONE]"),
        ("联系 (+86) 138 1234 5678", "联系 [PHONE]"),
        # spoken digits: 幺 for 1, 两 for 2, 洞 for 0, mixed with Arabic digits, separated by ASR's commas
        ("手机幺三八洞洞幺两三四五六", "手机[PHONE]"),
        ("号码 幺三八 1234 五六七八", "号码 [PHONE]"),
        ("电话一，三，八，一，二，三，四，五，六，七，八", "电话[PHONE]"),
        ("身份证幺幺洞幺洞五幺九四九幺两三幺洞洞两X", "身份证[ID_CARD]"),
        ("it's four one five, five five five, oh one three four", "it's [PHONE]"),
        ("call me on double seven, oh nine, one two three four five six", "call me on [PHONE]"),
        ("my cell is oh seven nine double one, one two three four five six", "my cell is [PHONE]"),
        ("try 07911 123456 after six", "try [PHONE] after six"),
        # full-width forms
        ("邮箱ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ", "邮箱[EMAIL]"),
        ("电话１３８　１２３４　５６７８", "电话[PHONE]"),
        # spoken e-mail in English and Chinese
        ("it is anna underscore lee at example dot com", "it is [EMAIL]"),
        ("邮箱 zhangwei 艾特 163 点 com", "邮箱 [EMAIL]"),
        ("邮箱 li 杠 na 艾特 126 点 com", "邮箱 [EMAIL]"),
        ("he spelled m a r y dot k at example dot org", "he spelled [EMAIL]"),
        ("card is four one one one, one one one one, one one one one, one one one one ok", "card is [BANK_CARD] ok"),
        ("分机号码 010-62345678-815 找王经理", "分机号码 [PHONE] 找王经理"),
        ("Office: (415) 555-0134 ext 22", "Office: [PHONE]"),
        ("crm: ph=4155550134;status=open", "crm: ph=[PHONE];status=open"),
        ("订单号 202611050012345 实名 110105 19491231 002X", "订单号 202611050012345 实名 [ID_CARD]"),
    ],
)
def test_masks_forms_people_write_and_say(text: str, expected: str) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "条码 6901234567892",  # EAN-13 that also passes Luhn: a product code
        "barcode 4006381334013 on the box",
        "UPC 036000291452",
        "订单号 6222021234567894 已发货",  # a card-shaped order number: the label decides
        "tracking 1Z999AA10123456784",
        "SKU-88213-BLK, 型号 KJ500G-S3",
        "服务器 192.168.10.254 连不上",
        "toll-free 1-800-555-0100",
        "合计 ¥1,299.00，2026-12-02 14:30 付款",
        "ISBN 978-7-111-12345-3",
        "IMEI 490154203237518",  # passes Luhn: a handset, not a card
        "call 1 (888) 555-0100 for billing",  # toll-free
        "Order ID 4111111111111111 shipped",  # card-shaped, but the label says order
        "account id 12049378165",  # 11 digits starting 12: neither a mainland mobile nor a labelled phone
    ],
)
def test_product_codes_stay(text: str) -> None:
    assert mask_text(text) == text
