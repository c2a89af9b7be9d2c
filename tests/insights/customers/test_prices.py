"""Price roles from who speaks and the words around the amount; the acceptable range; the stored label."""

from __future__ import annotations

import pytest

from insights.customers import prices


def _roles(speaker: str, text: str) -> list[tuple[float | None, float | None, str]]:
    return [(m.amount.low, m.amount.high, m.role) for m in prices.mentions([(0, speaker, text)])]


@pytest.mark.parametrize(
    ("speaker", "text", "expected"),
    [
        ("agent", "这款标价2499元，含安装", [(2499, 2499, "list_price")]),
        ("agent", "It's $349 right now.", [(349, 349, "list_price")]),
        ("customer", "我们预算三四千", [(3000, 4000, "budget")]),
        ("customer", "I can't go over $300.", [(None, 300, "budget")]),
        ("customer", "京东才卖1899，你们2199也太贵了", [(1899, 1899, "competitor"), (2199, 2199, "list_price")]),
        ("customer", "Costco has it for $279.", [(279, 279, "competitor")]),
        ("customer", "1800卖不卖？", [(1800, 1800, "counter_offer")]),
        ("customer", "Would you do $250?", [(250, 250, "counter_offer")]),
        ("agent", "我给您申请到2299", [(2299, 2299, "counter_offer")]),
        ("agent", "The best I can do is $265.", [(265, 265, "counter_offer")]),
        ("customer", "好，那就2199成交", [(2199, 2199, "agreed")]),
        ("customer", "OK, $260 it is, let's do it.", [(260, 260, "agreed")]),
        ("agent", "运费15元，安装费200元", [(15, 15, "other"), (200, 200, "other")]),
        ("agent", "The refund of $49.99 is on its way.", [(49.99, 49.99, "other")]),
        ("customer", "再便宜一百，999我就下单。", [(100, 100, "other"), (999, 999, "counter_offer")]),
        ("customer", "Give me the whole package for 10k and I'll sign.", [(10000, 10000, "counter_offer")]),
        ("customer", "If not $40 a month, how about $42?", [(40, 40, "counter_offer"), (42, 42, "counter_offer")]),
        ("agent", "好的，700给您。", [(700, 700, "agreed")]),
        ("customer", "Fine, $975. Send me the invoice.", [(975, 975, "agreed")]),
        ("agent", "跟您确认一下，最终价格是4680元，含安装。", [(4680, 4680, "agreed")]),
        ("customer", "比我们现在用的贵了 30 块。", [(30, 30, "other")]),
        (
            "customer",
            "Zoom only costs us $15 per host, so why is yours $22?",
            [(15, 15, "competitor"), (22, 22, "list_price")],
        ),
        ("customer", "$75 a month is a lot.", [(75, 75, "list_price")]),
        ("customer", "I bought this same printer from you in March for $229.", [(229, 229, "other")]),
        ("agent", "I can't do $300, but $325 is doable.", [(300, 300, "counter_offer"), (325, 325, "counter_offer")]),
        ("customer", "学费这块我们家能接受的是一万五以内。", [(None, 15000, "budget")]),
    ],
)
def test_each_role(speaker: str, text: str, expected: list[tuple[float | None, float | None, str]]) -> None:
    assert _roles(speaker, text) == expected


def test_the_acceptable_range_comes_from_the_customer_side() -> None:
    turns = [
        (0, "agent", "标价2499元"),
        (1, "customer", "我们预算1800到2000"),
        (2, "customer", "别家才1699"),
    ]
    found = prices.mentions(turns)
    assert prices.acceptable_range(found) == prices.PriceRange(1800, 2000, "CNY")
    assert prices.acceptable_range(prices.mentions([(0, "agent", "标价2499元")])) is None


def test_a_stated_ceiling_or_the_agreed_price_tops_the_range() -> None:
    ceiling = [(0, "customer", "看了，每台两千多"), (1, "customer", "我们能接受的是每台 1500 以内，太贵了")]
    assert prices.acceptable_range(prices.mentions(ceiling)) == prices.PriceRange(None, 1500, "CNY")
    deal = [(0, "customer", "Our budget was ¥450."), (1, "customer", "OK, ¥465 works.")]
    assert prices.acceptable_range(prices.mentions(deal)) == prices.PriceRange(None, 465, "CNY")


def test_a_label_goes_there_and_back() -> None:
    (m,) = prices.mentions([(3, "customer", "3000以内的有吗")])
    assert prices.label(m) == "budget:-3000:CNY"
    assert prices.parse_label(prices.label(m)) == ("budget", None, 3000.0, "CNY")
    assert prices.parse_label("1800-2000:CNY") == ("", 1800.0, 2000.0, "CNY")
