"""Money amounts: Chinese and English number forms, ranges and bounds, and numbers that are no price."""

from __future__ import annotations

import pytest

from insights.customers.money import amounts


@pytest.mark.parametrize(
    ("text", "span", "low", "high", "currency"),
    [
        ("这款标价2499元", "2499元", 2499, 2499, "CNY"),
        ("¥259 一支", "¥259", 259, 259, "CNY"),
        ("才259块钱", "259块钱", 259, 259, "CNY"),
        ("九块九包邮", "九块九", 9.9, 9.9, "CNY"),
        ("两千五能买吗", "两千五", 2500, 2500, "CNY"),
        ("一万二太贵了", "一万二", 12000, 12000, "CNY"),
        ("一千八百八的价格", "一千八百八", 1880, 1880, "CNY"),
        ("大概3.5万", "3.5万", 35000, 35000, "CNY"),
        ("1.2万的预算", "1.2万", 12000, 12000, "CNY"),
        ("预算三四千", "三四千", 3000, 4000, "CNY"),
        ("五到六千的有吗", "五到六千", 5000, 6000, "CNY"),
        ("1800-2000元都行", "1800-2000元", 1800, 2000, "CNY"),
        ("2000左右吧", "2000左右", 2000, 2000, "CNY"),
        ("两千多", "两千多", 2000, 2000, "CNY"),
        ("别家有卖 300 出头", "300 出头", 300, 300, "CNY"),
        ("3000以内的有吗", "3000以内", None, 3000, "CNY"),
        ("不超过五千", "不超过五千", None, 5000, "CNY"),
        ("最多一千五", "最多一千五", None, 1500, "CNY"),
        ("每台1800", "1800", 1800, 1800, "CNY"),
        ("It's $349 right now", "$349", 349, 349, "USD"),
        ("only $1,299.99 today", "$1,299.99", 1299.99, 1299.99, "USD"),
        ("349 dollars", "349 dollars", 349, 349, "USD"),
        ("300 bucks tops", "300 bucks tops", None, 300, "USD"),
        ("a 5k budget", "5k", 5000, 5000, "USD"),
        ("under $300 please", "under $300", None, 300, "USD"),
        ("between $200 and $250", "$200 and $250", 200, 250, "USD"),
        ("$200-$250", "$200-$250", 200, 250, "USD"),
        ("no more than 400 dollars", "no more than 400 dollars", None, 400, "USD"),
        ("at least $1,000", "at least $1,000", 1000, None, "USD"),
        ("USD 120 each", "USD 120", 120, 120, "USD"),
        ("a hundred and fifty dollars", "a hundred and fifty dollars", 150, 150, "USD"),
        ("fifty bucks", "fifty bucks", 50, 50, "USD"),
        ("€80 in Berlin", "€80", 80, 80, "EUR"),
        ("Maybe 40 to 50 dollars?", "40 to 50 dollars", 40, 50, "USD"),  # "Maybe" is no month
        ("Fifteen to twenty thousand dollars.", "Fifteen to twenty thousand dollars", 15000, 20000, "USD"),
        ("Ideally under a grand for the install", "under a grand", None, 1000, "USD"),
        ("Twelve hundred flat, including delivery?", "Twelve hundred", 1200, 1200, "USD"),
        ("能不能一万二包安装？", "一万二", 12000, 12000, "CNY"),
        ("我能接受的上限是两千八", "上限是两千八", None, 2800, "CNY"),
        ("页面上写着899，是这个价吧", "899", 899, 899, "CNY"),
        ("on sale for 59.99 last week", "59.99", 59.99, 59.99, "USD"),
    ],
)
def test_a_money_form_is_read_with_its_bounds(
    text: str, span: str, low: float | None, high: float | None, currency: str
) -> None:
    (found,) = amounts(text)
    assert (found.text, found.low, found.high, found.currency) == (span, low, high, currency)
    assert text[found.start : found.end] == found.text


@pytest.mark.parametrize(
    "text",
    [
        "订单号 2024061512345 还没发货",
        "order #88231 has not arrived",
        "型号LM-WP300和R7有什么区别",
        "the X3 and the R7",
        "6月18号下午3点送到",
        "delivered March 5th at 3:30pm",
        "on 2024-06-18",
        "电话 138 0013 8000",
        "call 400-820-8820 or 555-0143",
        "买3台，再加5个滤芯",
        "2 units and 3 filters",
        "可以打9折，团购92折",
        "20% off this week",
        "保修3年，等了两周",
        "45分贝，60平米，3.5升，1200W",
        "a 25 inch screen and 3000Pa suction",
        "2023款的",
        "双十一有活动吗",
        "我打了3次电话",
        "一体无缝的内胆",
        "the 5-litre basket",
        "a 3-year warranty",
        "The room is about 12 by 14 feet, is the price OK?",
        "宽带500M套餐多少钱",
        "Maybe May 12 works for the price talk",
    ],
)
def test_numbers_that_are_no_price_are_left_alone(text: str) -> None:
    assert amounts(text) == []


def test_several_amounts_in_one_turn_come_out_in_order() -> None:
    found = amounts("京东才卖1899，你们2199也太贵了，预算两千以内")
    assert [(a.low, a.high) for a in found] == [(1899, 1899), (2199, 2199), (None, 2000)]


def test_a_bare_number_needs_a_money_word() -> None:
    assert amounts("我们有 150 间客房") == []
    assert [a.low for a in amounts("报价是 150")] == [150]
