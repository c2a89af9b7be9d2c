"""Writes bench/data/pii_labelled.jsonl: labelled Chinese and English strings for masking precision/recall.

Each line: {"text", "lang", "pii": [{"kind", "value"}]}. About half the strings carry near-misses that must NOT be
masked (order and tracking numbers, amounts, dates, model numbers, invalid IDs and card numbers). Fixed seed; rerun
only to extend the set, and review the diff.

    python bench/data/make_pii_labelled.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

rng = random.Random(20261123)
OUT = Path(__file__).with_name("pii_labelled.jsonl")


def id_card() -> str:
    area = rng.choice(["110105", "310104", "440305", "510107", "330106", "420102"])
    birth = f"{rng.randint(1950, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = area + birth + f"{rng.randint(0, 999):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def bad_id_card() -> str:
    good = id_card()
    last = "0" if good[-1] != "0" else "1"
    return good[:-1] + last


def luhn_complete(prefix: str, length: int) -> str:
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, d in enumerate(reversed(body)):
        n = int(d)
        if i % 2 == 0:
            n *= 2
            n -= 9 if n > 9 else 0
        total += n
    return body + str((10 - total % 10) % 10)


def card() -> str:
    kind = rng.choice(["unionpay", "visa", "master", "unionpay19"])
    number = {
        "unionpay": lambda: luhn_complete("62" + str(rng.randint(1000, 9999)), 16),
        "unionpay19": lambda: luhn_complete("6217" + str(rng.randint(10, 99)), 19),
        "visa": lambda: luhn_complete("4" + str(rng.randint(10000, 99999)), 16),
        "master": lambda: luhn_complete("5" + str(rng.randint(1, 5)) + str(rng.randint(1000, 9999)), 16),
    }[kind]()
    style = rng.random()
    if style < 0.4:
        return " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    if style < 0.5:
        return "-".join(number[i : i + 4] for i in range(0, len(number), 4))
    return number


def bad_card() -> str:
    good = luhn_complete("62" + str(rng.randint(1000, 9999)), 16)
    return good[:-1] + str((int(good[-1]) + rng.randint(1, 9)) % 10)


def cn_mobile() -> str:
    n = rng.choice(["13", "15", "17", "18", "19"]) + str(rng.randint(0, 9)) + f"{rng.randint(0, 99999999):08d}"
    style = rng.random()
    if style < 0.5:
        return n
    if style < 0.65:
        return f"+86 {n[:3]}-{n[3:7]}-{n[7:]}"
    if style < 0.8:
        return f"{n[:3]} {n[3:7]} {n[7:]}"
    if style < 0.9:
        return f"+86{n}"
    return f"{n[:3]}-{n[3:7]}-{n[7:]}"


def landline() -> str:
    area = rng.choice(["010", "021", "020", "0755", "0571", "028"])
    sub = str(rng.randint(2, 8)) + "".join(str(rng.randint(0, 9)) for _ in range(7 if len(area) == 3 else 6))
    return rng.choice([f"{area}-{sub}", f"({area}){sub}", f"{area} {sub}"])


def en_phone() -> str:
    a, b, c = rng.randint(201, 989), rng.randint(200, 999), rng.randint(0, 9999)
    return rng.choice(
        [
            f"+1 {a}-{b}-{c:04d}",
            f"({a}) {b}-{c:04d}",
            f"{a}-{b}-{c:04d}",
            f"+1 ({a}) {b}-{c:04d}",
            f"+44 20 {rng.randint(7000, 8999)} {rng.randint(1000, 9999)}",
            f"{a}.{b}.{c:04d}",
        ]
    )


def email() -> str:
    user = rng.choice(["zhang.wei", "li_na88", "wang.fang", "john.smith", "mary.j", "chen-jie", "service.user7"])
    host = rng.choice(["example.com", "163.com", "qq.com", "mail.example.cn", "gmail.com", "outlook.co.uk"])
    return f"{user}@{host}"


def order_no() -> str:
    return rng.choice(
        [
            f"LM2026{rng.randint(1101, 1130)}-{rng.randint(1000, 9999)}",
            f"2026{rng.randint(1101, 1130)}{rng.randint(0, 9999999):07d}",
            f"SF{rng.randint(10**12, 10**13 - 1)}",
            f"JD{rng.randint(10**10, 10**11 - 1)}",
            f"WO-{rng.randint(1000, 9999)}",
            f"INV-2026-{rng.randint(10000, 99999)}",
        ]
    )


def amount() -> str:
    return rng.choice(
        [
            f"¥{rng.randint(99, 9999):,}.00",
            f"{rng.randint(99, 9999)}元",
            f"${rng.randint(20, 999)}.{rng.randint(0, 99):02d}",
            f"RMB {rng.randint(1000, 99999):,}",
            f"{rng.randint(1, 36)}期免息",
        ]
    )


def other_near_miss() -> str:
    return rng.choice(
        [
            f"LM-{rng.choice(['WP300', 'AF500', 'RV700', 'KT120', 'TF260', 'FC30'])}",
            f"2026-11-{rng.randint(1, 28):02d} {rng.randint(8, 21)}:{rng.randint(0, 59):02d}",
            f"2026年11月{rng.randint(1, 28)}日",
            f"邮编{rng.randint(100000, 899999)}",
            f"{rng.randint(1, 99)}%",
            f"v{rng.randint(1, 5)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
            f"{rng.randint(1000, 3000)} 升",
            f"serial {rng.randint(10**9, 10**10 - 1)}",
            bad_id_card(),
            bad_card(),
            f"工号A-{rng.randint(100, 199)}",
            f"400-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
        ]
    )


ZH = [
    "您好，我的手机号是{pii}，麻烦尽快回电。",
    "请把发票寄到我的邮箱{pii}，谢谢。",
    "我的身份证号码是{pii}，用来登记保修。",
    "退款请打到这张卡：{pii}。",
    "联系电话{pii}，白天都在家。",
    "客户留的号码是 {pii} ，请跟进。",
    "如有问题请拨打{pii}找我。",
    "银行卡号{pii}，户名张伟。",
    "我在美国，电话是{pii}。",
    "登记信息：{pii}",
]
EN = [
    "Hi, you can reach me on {pii} any time after 5pm.",
    "Please send the invoice to {pii}.",
    "My card number is {pii}, please refund to it.",
    "Call me back at {pii}, thanks.",
    "The customer gave {pii} as the contact.",
    "Refund to card {pii} please.",
    "My Chinese ID number is {pii} for the warranty form.",
    "Reach the buyer on {pii} or by email.",
]
NEAR_ZH = [
    "订单号{x}，金额{y}，请核对。",
    "您的快递单号是{x}，预计明天送达。",
    "我买的是{x}，付了{y}。",
    "工单{x}已经关闭，退款{y}已原路返回。",
    "编号{x}，时间{y}。",
]
NEAR_EN = [
    "Order {x} was charged {y}.",
    "Tracking number {x}, delivered {y}.",
    "The model {x} costs {y} this week.",
    "Ticket {x} closed; refund of {y} issued.",
]

GENERATORS = {"PHONE": [cn_mobile, landline, en_phone], "EMAIL": [email], "ID_CARD": [id_card], "BANK_CARD": [card]}


def pii_for(template: str) -> tuple[str, str]:
    if "邮箱" in template or "email" in template.lower() or "invoice" in template:
        return "EMAIL", email()
    if "身份证" in template or "ID number" in template:
        return "ID_CARD", id_card()
    if "卡" in template or "card" in template.lower():
        return "BANK_CARD", card()
    if "美国" in template:
        return "PHONE", en_phone()
    kind = rng.choice(["PHONE", "PHONE", "PHONE", "EMAIL"])
    return kind, rng.choice(GENERATORS[kind])()


def main() -> None:
    rows = []
    for i in range(150):
        lang = "zh" if i % 2 == 0 else "en"
        template = rng.choice(ZH if lang == "zh" else EN)
        kind, value = pii_for(template)
        if lang == "en" and kind == "PHONE" and rng.random() < 0.7:
            value = en_phone()
        text = template.format(pii=value)
        pii = [{"kind": kind, "value": value}]
        if rng.random() < 0.35:  # a near-miss in the same string
            extra = rng.choice([order_no(), amount(), other_near_miss()])
            text += (" 订单" if lang == "zh" else " Order ") + extra
        rows.append({"text": text, "lang": lang, "pii": pii})
    for i in range(110):
        lang = "zh" if i % 2 == 0 else "en"
        template = rng.choice(NEAR_ZH if lang == "zh" else NEAR_EN)
        x = rng.choice([order_no, other_near_miss])()
        y = rng.choice([amount, other_near_miss])()
        rows.append({"text": template.format(x=x, y=y), "lang": lang, "pii": []})
    with OUT.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} rows to {OUT}")


if __name__ == "__main__":
    main()
