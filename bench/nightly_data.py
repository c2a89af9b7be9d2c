"""A synthetic inbox for bench/nightly.py: N conversations over D days, resampled from ../shared/data.

Layout (what `flows.nightly` ingests with the default column mappings):

    inbox/chats/YYYY-MM-DD.csv        one row per message (columns of demo/chats/chats.csv)
    inbox/work_orders/YYYY-MM-DD.csv  one row per order (columns of demo/work_orders/work_orders.csv)

Texts: airline complaint tweets (@handles dropped), Banking77 questions, Chinese hotel and food-delivery reviews,
CrossWOZ dialogues (zh) and ABCD dialogues (en); agent turns from the dialogues' agent side. 1-4 turns each.
Customers: synthetic mainland mobile numbers (masked and hashed into customer keys at ingest), some customers
come back. Products: demo/catalog.yaml ids on about half the rows. Planted bursts: a few (product, issue) pairs
where 3-6 distinct new customers describe the same defect within 3 days, in the wording of the complaint taxonomy's
examples (insights/classify/taxonomies/complaint_issues.yaml) with the product named.

    python bench/nightly_data.py OUT --conversations 100000 --days 90      # writes OUT/chats, OUT/work_orders
    python bench/nightly_data.py --quick                                    # a small inbox in a temp folder
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import sys
import tempfile
import time
import zipfile
import zlib
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import SHARED, report

ROOT = Path(__file__).resolve().parents[1]
TZ = timezone(timedelta(hours=8))
START = date(2026, 8, 1)
CHAT_COLUMNS = ["conversation_id", "started_at", "customer_phone", "customer_email", "customer_name", "agent_id",
                "team", "product", "language", "turn_index", "speaker", "sent_at", "text"]  # fmt: skip
WO_COLUMNS = ["order_id", "created_at", "customer_phone", "customer_email", "customer_name", "product", "language",
              "category", "description", "resolution", "status", "agent_id", "team"]  # fmt: skip
AGENTS = [("A-101", "support-east"), ("A-105", "support-west"), ("A-106", "support-west"), ("A-110", "support-global")]
EN_REPLIES = [
    "I'm sorry to hear that. Could you give me your order number so I can check?",
    "Thanks for reaching out. Let me look into this for you.",
    "I understand. I've passed this on to the team and we'll get back to you within 24 hours.",
    "Could you send a photo of the problem? That will help us decide on a replacement.",
    "I've arranged a technician visit; you'll get a text with the time slot.",
]
ZH_REPLIES = [
    "非常抱歉给您带来不便，麻烦提供一下订单号，我帮您查一下。",
    "您好，已经为您登记，售后会在24小时内联系您。",
    "请您拍一张照片发给我们，我们核实后给您换新。",
    "已经帮您预约师傅上门检查，稍后会有短信通知具体时间。",
    "好的，这边已经反馈给相关部门处理，请您耐心等待。",
]


@dataclass
class Pools:
    en: list[str] = field(default_factory=list)  # customer texts
    zh: list[str] = field(default_factory=list)
    en_dialogues: list[list[tuple[str, str]]] = field(default_factory=list)
    zh_dialogues: list[list[tuple[str, str]]] = field(default_factory=list)
    en_agent: list[str] = field(default_factory=list)
    zh_agent: list[str] = field(default_factory=list)


def _csv(path: Path, column: str) -> list[str]:
    with path.open(encoding="utf-8-sig") as fh:
        return [r[column].strip()[:300] for r in csv.DictReader(fh) if r.get(column, "").strip()]


def load_pools() -> Pools:
    """Texts from ../shared/data; from the demo corpus where that is absent (a clone without the shared folder)."""
    pools = Pools(en_agent=list(EN_REPLIES), zh_agent=list(ZH_REPLIES))
    if not SHARED.is_dir():
        return _demo_pools(pools)
    tweets = _csv(SHARED / "sentiment_airline_tweets_en" / "Tweets.csv", "text")
    pools.en += [t for t in (re.sub(r"@\w+\s*", "", x).strip() for x in tweets) if len(t) > 10]
    pools.en += _csv(SHARED / "intent_banking77_en" / "train.csv", "text")
    pools.zh += _csv(SHARED / "sentiment_chnsenticorp_htl_zh" / "ChnSentiCorp_htl_all.csv", "review")
    pools.zh += _csv(SHARED / "sentiment_waimai10k_zh" / "waimai_10k.csv", "review")
    with zipfile.ZipFile(SHARED / "dialogues_crosswoz_zh" / "val.json.zip") as z:
        dialogues = json.loads(z.read(z.namelist()[0]))
    for d in dialogues.values():
        turns = [("customer" if m["role"] == "usr" else "agent", m["content"]) for m in d["messages"]]
        pools.zh_dialogues.append(turns)
        pools.zh_agent += [t for s, t in turns if s == "agent"]
    for d in json.loads((SHARED / "dialogues_abcd_en" / "abcd_sample.json").read_text(encoding="utf-8")):
        turns = [(s if s in ("agent", "customer") else "system", t) for s, t in d["original"]]
        for i in range(0, max(1, len(turns) - 4), 2):  # 3 dialogues: every window is a conversation
            pools.en_dialogues.append(turns[i : i + 4])
        pools.en_agent += [t for s, t in turns if s == "agent" and len(t) > 15]
    return pools


def _demo_pools(pools: Pools) -> Pools:
    for path, column, speaker in (
        (ROOT / "demo" / "chats" / "chats.csv", "text", "speaker"),
        (ROOT / "demo" / "work_orders" / "work_orders.csv", "description", None),
    ):
        with path.open(encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                if speaker and row[speaker] != "customer":
                    continue
                text = row[column].strip()[:300]
                (pools.zh if re.search(r"[\u3400-\u9fff]", text) else pools.en).append(text)
    return pools


def catalog() -> list[dict[str, Any]]:
    return list(yaml.safe_load((ROOT / "demo" / "catalog.yaml").read_text(encoding="utf-8"))["products"])


def issue_examples() -> dict[str, dict[str, list[str]]]:
    path = ROOT / "insights" / "classify" / "taxonomies" / "complaint_issues.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {lab["name"]: lab["examples"] for lab in data["labels"] if lab["name"] != "other" and lab.get("examples")}


@dataclass
class Burst:
    product: str
    issue: str
    day: int  # 0-based day index of its first complaint
    customers: int
    spread: int = 3  # days its complaints are spread over


@dataclass
class Conversation:
    id: str
    channel: str  # chat | work_order
    at: datetime
    phone: str
    product: str
    language: str
    turns: list[tuple[str, str]]  # (speaker, text)
    burst: int | None = None


class Generator:
    """Deterministic for a seed: day d's conversations do not depend on how many days are written."""

    def __init__(self, conversations: int, days: int, *, seed: int = 6, pools: Pools | None = None) -> None:
        self.per_day = max(1, conversations // days)
        self.days = days
        self.seed = seed
        self.pools = pools or load_pools()
        self.products = catalog()
        self.issues = issue_examples()
        rng = random.Random(seed)
        self.customers = [
            f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}" for _ in range(max(50, conversations // 3))
        ]
        n_bursts = max(2, days // 10)
        pairs = [(p["id"], i) for p in self.products for i in sorted(self.issues)]
        rng.shuffle(pairs)
        self.bursts = [Burst(p, i, rng.randrange(max(1, days - 3)), rng.randint(3, 6)) for p, i in pairs[:n_bursts]]
        # one more burst on the first day after the stored ones, for the incremental run to find
        self.bursts.append(Burst(*pairs[n_bursts], day=days, customers=3, spread=1))

    def day(self, d: int, n: int | None = None) -> list[Conversation]:
        rng = random.Random(f"{self.seed}:{d}")
        n = self.per_day if n is None else n
        out = [self._background(rng, d, k) for k in range(n)]
        for b_index, burst in enumerate(self.bursts):
            offset = d - burst.day
            if 0 <= offset < burst.spread:
                share = [c for c in range(burst.customers) if c % burst.spread == offset]
                out += [self._complaint(rng, d, b_index, c) for c in share]
        return sorted(out, key=lambda c: c.at)

    def _when(self, rng: random.Random, d: int) -> datetime:
        base = datetime.combine(START + timedelta(days=d), datetime.min.time(), TZ)
        return base + timedelta(seconds=rng.randrange(8 * 3600, 22 * 3600))

    def _background(self, rng: random.Random, d: int, k: int) -> Conversation:
        p = self.pools
        roll = rng.random()
        if roll < 0.15 and p.zh_dialogues:
            turns, lang = self._slice(rng, rng.choice(p.zh_dialogues)), "zh"
        elif roll < 0.20 and p.en_dialogues:
            turns, lang = self._slice(rng, rng.choice(p.en_dialogues)), "en"
        else:
            lang = "zh" if roll < 0.55 else "en"
            customer, agent = (p.zh, p.zh_agent) if lang == "zh" else (p.en, p.en_agent)
            turns = [("customer", rng.choice(customer))]
            for _ in range(rng.choice((0, 1, 1, 1, 2, 3))):
                turns.append(("agent" if turns[-1][0] == "customer" else "customer",
                              rng.choice(agent if turns[-1][0] == "customer" else customer)))  # fmt: skip
        product = rng.choice(self.products)["id"] if rng.random() < 0.5 else ""
        has_customer = any(s == "customer" for s, _ in turns)
        channel = "work_order" if rng.random() < 0.2 and has_customer else "chat"
        prefix = "WO" if channel == "work_order" else "CHAT"
        return Conversation(f"{prefix}-{d:03d}-{k:06d}", channel, self._when(rng, d), rng.choice(self.customers),
                            product, lang, turns)  # fmt: skip

    @staticmethod
    def _slice(rng: random.Random, dialogue: list[tuple[str, str]]) -> list[tuple[str, str]]:
        turns = [t for t in dialogue if t[0] in ("customer", "agent")] or dialogue
        starts = [i for i, t in enumerate(turns[:-1]) if t[0] == "customer"] or [0]
        start = rng.choice(starts)
        return turns[start : start + rng.randint(1, 4)]

    def _complaint(self, rng: random.Random, d: int, b_index: int, customer: int) -> Conversation:
        burst = self.bursts[b_index]
        product = next(p for p in self.products if p["id"] == burst.product)
        lang = rng.choice(sorted(self.issues[burst.issue]))
        example = rng.choice(self.issues[burst.issue][lang])
        if lang == "zh":
            text = f"我买的{product['name_zh']}，{example}"
        else:
            text = f"About my {product['name_en']}: {example}"
        phone = f"199{b_index:02d}{customer:06d}"  # distinct customers, never in the background pool
        turns = [("customer", text), ("agent", rng.choice(ZH_REPLIES if lang == "zh" else EN_REPLIES))]
        return Conversation(f"BURST-{b_index:02d}-{customer:02d}", "chat", self._when(rng, d), phone, burst.product,
                            lang, turns, burst=b_index)  # fmt: skip


def write_day(inbox: Path, day_date: date, conversations: list[Conversation]) -> dict[str, int]:
    """One chats file and one work-orders file for the day; returns rows written per folder."""
    chats_dir, wo_dir = inbox / "chats", inbox / "work_orders"
    chats_dir.mkdir(parents=True, exist_ok=True)
    wo_dir.mkdir(parents=True, exist_ok=True)
    counts = {"chats": 0, "work_orders": 0, "turns": 0}
    with (chats_dir / f"{day_date}.csv").open("w", encoding="utf-8", newline="") as chats, \
            (wo_dir / f"{day_date}.csv").open("w", encoding="utf-8", newline="") as orders:  # fmt: skip
        cw, ow = csv.writer(chats), csv.writer(orders)
        cw.writerow(CHAT_COLUMNS)
        ow.writerow(WO_COLUMNS)
        for c in conversations:
            agent, team = AGENTS[zlib.crc32(c.id.encode()) % len(AGENTS)]
            if c.channel == "work_order":
                description = " ".join(t for s, t in c.turns if s == "customer")
                resolution = " ".join(t for s, t in c.turns if s == "agent")
                ow.writerow([c.id, c.at.isoformat(), c.phone, "", "", c.product, c.language, "", description,
                             resolution, "closed", agent, team])  # fmt: skip
                counts["work_orders"] += 1
                counts["turns"] += 1 + bool(resolution)
                continue
            for i, (speaker, text) in enumerate(c.turns):
                sent = c.at + timedelta(seconds=40 * i)
                cw.writerow([c.id, c.at.isoformat(), c.phone, "", "", agent, team, c.product, c.language, i, speaker,
                             sent.isoformat(), text])  # fmt: skip
            counts["chats"] += 1
            counts["turns"] += len(c.turns)
    return counts


def day_date(d: int) -> date:
    return START + timedelta(days=d)


def write_inbox(inbox: Path, gen: Generator, days: range, per_day: int | None = None) -> dict[str, int]:
    total = {"chats": 0, "work_orders": 0, "turns": 0, "files": 0}
    for d in days:
        counts = write_day(inbox, day_date(d), gen.day(d, per_day))
        for k, v in counts.items():
            total[k] += v
        total["files"] += 2
    return total


def planted(gen: Generator) -> list[dict[str, Any]]:
    return [asdict(b) | {"first_day": str(day_date(b.day))} for b in gen.bursts]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", type=Path, help="inbox folder to write (default: a temp folder)")
    parser.add_argument("--conversations", type=int, default=100_000, help="conversations in all (default 100,000)")
    parser.add_argument("--days", type=int, default=90, help="days they are spread over (one file per day)")
    parser.add_argument("--quick", action="store_true", help="2,000 conversations over 10 days in a temp folder")
    args = parser.parse_args()
    n, days = (2_000, 10) if args.quick else (args.conversations, args.days)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "inbox"
        t0 = time.perf_counter()
        gen = Generator(n, days)
        loaded = time.perf_counter() - t0
        total = write_inbox(out, gen, range(days))
        seconds = time.perf_counter() - t0
        rows = [{"what": "generated inbox", "conversations": total["chats"] + total["work_orders"], **total,
                 "bursts": len(gen.bursts) - 1, "seconds": round(seconds, 2), "load_s": round(loaded, 2)}]  # fmt: skip
        os.environ.setdefault("COLUMNS", "160")  # rich wraps to 80 columns when stdout is not a terminal
        title = f"Synthetic inbox: {n} conversations over {days} days"
        extra = {"planted": planted(gen), "out": str(args.out) if args.out else None}
        report("nightly_data" + ("-quick" if args.quick else ""), title, rows, extra)


if __name__ == "__main__":
    main()
