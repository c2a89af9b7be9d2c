#!/usr/bin/env python3
"""Build the Lumora demo CSVs and demo/expected.yaml from the hand-written sources (developer tool).

The generated files are committed; users never run this. Sources, all written by hand for cxloop (MIT):

* ``tools/src/chats.txt``        -> ``chats/chats.csv``             (one row per message)
* ``tools/src/work_orders.txt``  -> ``work_orders/work_orders.csv`` (one row per work order)
* ``tools/src/sales.txt``        -> ``sales/sales.csv``             (one row per turn)
* ``tools/src/expected_base.yaml`` + the above + ``calls/scripts.yaml`` -> ``expected.yaml``

The generator only adds what is mechanical: ids in time order (CHAT-0001, WO-0001, SALE-0001), seconds and
per-message timestamps (seeded, so runs are reproducible), the team of each agent. Then it checks the corpus:
row formats, resident-ID check digits (ISO 7064 MOD 11-2), Luhn on card numbers, that every planted string is
really in the texts, that gold answers are verbatim in their documents and gap terms are in none, and that the
planted Andon clusters have the intended number of distinct customers. It exits non-zero on any failure.

Usage::

    python demo/tools/make_corpus.py            # write the files and print a summary
    python demo/tools/make_corpus.py --check    # only check, write nothing
"""
from __future__ import annotations

import argparse
import csv
import io
import random
import re
import sys
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import yaml

DEMO = Path(__file__).resolve().parent.parent
SRC = DEMO / "tools" / "src"
TZ = "+08:00"

TEAMS = {
    **{f"A-{n}": "support-east" for n in range(101, 105)},
    **{f"A-{n}": "support-west" for n in range(105, 109)},
    **{f"A-{n}": "support-global" for n in range(109, 113)},
    "S-201": "sales-north", "S-202": "sales-north",
    "S-203": "sales-south", "S-204": "sales-south",
    "S-205": "sales-online", "S-206": "sales-online", "S-207": "sales-online",
}
CHAT_COLUMNS = ["conversation_id", "started_at", "customer_phone", "customer_email", "customer_name", "agent_id",
                "team", "product", "language", "turn_index", "speaker", "sent_at", "text"]
WO_COLUMNS = ["order_id", "created_at", "customer_phone", "customer_email", "customer_name", "product", "language",
              "category", "description", "resolution", "status", "agent_id", "team"]
SALES_COLUMNS = ["conversation_id", "started_at", "customer_phone", "customer_name", "agent_id", "team", "product",
                 "language", "outcome", "loss_reason", "turn_index", "speaker", "text"]
LOSS_REASONS = ["price", "competitor", "missing_feature", "timing_no_budget", "trust_service",
                "delivery_installation_terms", "no_decision"]
INTENTS = ["order_status", "delivery", "installation", "defect", "return_refund", "billing", "product_question",
           "complaint", "cancellation", "praise", "sales"]
WO_CATEGORIES = ["installation", "defect", "return_refund", "billing", "delivery", "product_question",
                 "complaint", "cancellation", "maintenance"]
FIRST_DAY, LAST_DAY = date(2026, 11, 1), date(2026, 11, 21)

errors: list[str] = []


def fail(msg: str) -> None:
    errors.append(msg)


# --- checks for personal data -------------------------------------------------------------------------------------

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def resident_id_ok(value: str) -> bool:
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return False
    check = "10X98765432"[sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS, strict=True)) % 11]
    return value[17] == check


def luhn_ok(value: str) -> bool:
    digits = re.sub(r"\D", "", value)
    if not 16 <= len(digits) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def normalise_phone(raw: str) -> str:
    """E.164-ish key used to count distinct customers ('' when there is no number)."""
    raw = raw.strip()
    digits = re.sub(r"\D", "", raw)
    if not digits:
        return ""
    if raw.startswith("+"):
        return "+" + digits
    if len(digits) == 11 and digits[0] == "1":
        return "+86" + digits
    if digits.startswith("0"):
        return "+86" + digits[1:]
    return "+" + digits


# --- parsing --------------------------------------------------------------------------------------------------------

def blocks(path: Path) -> list[tuple[list[str], list[tuple[str, str]]]]:
    """Split a source file into (header fields, [(tag, text), ...])."""
    out: list[tuple[list[str], list[tuple[str, str]]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("### "):
            out.append(([f.strip() for f in line[4:].split("|")], []))
        elif not line.strip() or line.startswith("#"):
            continue
        else:
            m = re.match(r"^([A-Z]): (.+)$", line)
            if not m or not out:
                fail(f"{path.name}: cannot parse line: {line[:60]}")
                continue
            out[-1][1].append((m.group(1), m.group(2).strip()))
    return out


def stamp(day_time: str, rng: random.Random) -> datetime:
    return datetime.strptime(day_time, "%Y-%m-%d %H:%M") + timedelta(seconds=rng.randint(0, 59))


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + TZ


CJK = r"[\u4e00-\u9fff]"


def check_zh_punctuation(where: str, text: str) -> None:
    if re.search(CJK + r"[,?!;:]|[,?!;:]\s*" + CJK, text):
        fail(f"{where}: half-width punctuation next to Chinese text: {text[:50]}")


def check_common(where: str, h: dict, products: set[str]) -> None:
    if h["product"] and h["product"] not in products:
        fail(f"{where}: unknown product {h['product']}")
    if h["language"] not in ("zh", "en"):
        fail(f"{where}: language {h['language']}")
    if h["agent_id"] not in TEAMS:
        fail(f"{where}: unknown agent {h['agent_id']}")
    if not FIRST_DAY <= h["dt"].date() <= LAST_DAY:
        fail(f"{where}: date out of range {h['dt']}")


def build_chats(products: set[str]) -> tuple[list[dict], list[list[str]]]:
    convs = []
    for fields, lines in blocks(SRC / "chats.txt"):
        if len(fields) != 9:
            fail(f"chat header needs 9 fields: {fields}")
            continue
        when, lang, product, agent, name, phone, email, intent, tags = fields
        rng = random.Random(f"chat {when} {name}")
        convs.append({"dt": stamp(when, rng), "language": lang, "product": product, "agent_id": agent,
                      "customer_name": name, "customer_phone": phone, "customer_email": email,
                      "intent": intent, "tags": [t for t in tags.split(",") if t], "lines": lines, "rng": rng})
    convs.sort(key=lambda c: c["dt"])
    rows = []
    for n, c in enumerate(convs, 1):
        c["id"] = f"CHAT-{n:04d}"
        check_common(c["id"], c, products)
        if c["intent"] not in INTENTS:
            fail(f"{c['id']}: intent {c['intent']}")
        if not 3 <= len(c["lines"]) <= 8:
            fail(f"{c['id']}: {len(c['lines'])} messages")
        t = c["dt"]
        c["texts"] = []
        for i, (who, text) in enumerate(c["lines"]):
            if who not in "CA":
                fail(f"{c['id']}: speaker {who}")
            if i:
                t += timedelta(seconds=c["rng"].randint(20, 150) if who == "C" else c["rng"].randint(15, 95))
            if c["language"] == "zh":
                check_zh_punctuation(c["id"], text)
            c["texts"].append(text)
            rows.append([c["id"], iso(c["dt"]), c["customer_phone"], c["customer_email"], c["customer_name"],
                         c["agent_id"], TEAMS.get(c["agent_id"], ""), c["product"], c["language"], str(i),
                         "customer" if who == "C" else "agent", iso(t), text])
    return convs, rows


def build_work_orders(products: set[str]) -> tuple[list[dict], list[list[str]]]:
    orders = []
    for fields, lines in blocks(SRC / "work_orders.txt"):
        if len(fields) != 10:
            fail(f"work order header needs 10 fields: {fields}")
            continue
        when, lang, product, agent, name, phone, email, category, status, tags = fields
        desc = " ".join(t for k, t in lines if k == "D")
        res = " ".join(t for k, t in lines if k == "R")
        orders.append({"dt": stamp(when, random.Random(f"wo {when} {name}")), "language": lang,
                       "product": product, "agent_id": agent, "customer_name": name, "customer_phone": phone,
                       "customer_email": email, "category": category, "status": status,
                       "tags": [t for t in tags.split(",") if t], "description": desc, "resolution": res})
    orders.sort(key=lambda o: o["dt"])
    rows = []
    for n, o in enumerate(orders, 1):
        o["id"] = f"WO-{n:04d}"
        check_common(o["id"], o, products)
        if o["category"] not in WO_CATEGORIES:
            fail(f"{o['id']}: category {o['category']}")
        if o["status"] not in ("open", "closed"):
            fail(f"{o['id']}: status {o['status']}")
        if not o["description"] or not o["resolution"]:
            fail(f"{o['id']}: empty description or resolution")
        if o["language"] == "zh":
            check_zh_punctuation(o["id"], o["description"] + o["resolution"])
        o["texts"] = [o["description"], o["resolution"]]
        rows.append([o["id"], iso(o["dt"]), o["customer_phone"], o["customer_email"], o["customer_name"],
                     o["product"], o["language"], o["category"], o["description"], o["resolution"], o["status"],
                     o["agent_id"], TEAMS.get(o["agent_id"], "")])
    return orders, rows


def build_sales(products: set[str]) -> tuple[list[dict], list[list[str]]]:
    convs = []
    for fields, lines in blocks(SRC / "sales.txt"):
        if len(fields) != 8:
            fail(f"sales header needs 8 fields: {fields}")
            continue
        when, lang, product, agent, name, phone, outcome, reason = fields
        convs.append({"dt": stamp(when, random.Random(f"sale {when} {name}")), "language": lang,
                      "product": product, "agent_id": agent, "customer_name": name, "customer_phone": phone,
                      "outcome": outcome, "loss_reason": reason, "lines": lines})
    convs.sort(key=lambda c: c["dt"])
    rows = []
    for n, c in enumerate(convs, 1):
        c["id"] = f"SALE-{n:04d}"
        check_common(c["id"], c, products)
        if c["outcome"] not in ("won", "lost"):
            fail(f"{c['id']}: outcome {c['outcome']}")
        if (c["outcome"] == "lost") != bool(c["loss_reason"]) or (c["loss_reason"] and
                                                                  c["loss_reason"] not in LOSS_REASONS):
            fail(f"{c['id']}: outcome/loss_reason {c['outcome']}/{c['loss_reason']}")
        if not 4 <= len(c["lines"]) <= 10:
            fail(f"{c['id']}: {len(c['lines'])} turns")
        c["texts"] = []
        for i, (who, text) in enumerate(c["lines"]):
            if c["language"] == "zh":
                check_zh_punctuation(c["id"], text)
            c["texts"].append(text)
            rows.append([c["id"], iso(c["dt"]), c["customer_phone"], c["customer_name"], c["agent_id"],
                         TEAMS.get(c["agent_id"], ""), c["product"], c["language"], c["outcome"],
                         c["loss_reason"], str(i), "customer" if who == "C" else "agent", text])
    return convs, rows


def load_calls(products: set[str]) -> list[dict]:
    calls = yaml.safe_load((DEMO / "calls" / "scripts.yaml").read_text(encoding="utf-8"))["calls"]
    for c in calls:
        c["dt"] = datetime.fromisoformat(c["started_at"]).replace(tzinfo=None)
        c["texts"] = [t["text"] for t in c["turns"]]
        check_common(c["id"], c, products)
        if TEAMS.get(c["agent_id"]) != c["team"]:
            fail(f"{c['id']}: team {c['team']} does not match agent {c['agent_id']}")
        if not 4 <= len(c["turns"]) <= 8:
            fail(f"{c['id']}: {len(c['turns'])} turns")
        ogg, meta = DEMO / "calls" / f"{c['id']}.ogg", DEMO / "calls" / f"{c['id']}.json"
        if not ogg.exists() or not meta.exists():
            fail(f"{c['id']}: audio or sidecar missing (run make_calls.py)")
    return calls


DOC_KINDS = {"specs", "warranty", "returns", "installation", "materials", "pricing", "faq", "care"}


def check_docs(products: set[str]) -> None:
    for path in sorted((DEMO / "docs").glob("*/*.md")):
        text = path.read_text(encoding="utf-8")
        m = re.match(r"^---\n(.*?)\n---\n", text, re.S)
        if not m:
            fail(f"{path.name}: no front matter")
            continue
        meta = yaml.safe_load(m.group(1))
        if set(meta) != {"title", "product", "language", "kind"}:
            fail(f"{path}: front matter keys {sorted(meta)}")
        if meta.get("product") not in products | {"all"} or meta.get("kind") not in DOC_KINDS:
            fail(f"{path}: product/kind {meta.get('product')}/{meta.get('kind')}")
        if meta.get("language") != path.parent.name:
            fail(f"{path}: language {meta.get('language')} in folder {path.parent.name}")
        body = text[m.end():]
        size = len(re.findall(CJK, body)) if path.parent.name == "zh" else len(body.split())
        lo, hi = (500, 2000) if path.parent.name == "zh" else (300, 1200)
        if not lo <= size <= hi:
            fail(f"{path}: length {size} outside {lo}-{hi}")


def to_csv(columns: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    w.writerows(rows)
    return buf.getvalue()


# --- expected.yaml --------------------------------------------------------------------------------------------------

def expected(base: dict, chats: list[dict], orders: list[dict], sales: list[dict], calls: list[dict]) -> dict:
    sources = ([("chat", c) for c in chats] + [("work_order", o) for o in orders] +
               [("call", c) for c in calls])
    phone_of = {"call": lambda c: c["customer_number"]}

    def contacts(tag: str) -> list[dict]:
        out = []
        for kind, rec in sources:
            if tag in rec.get("tags", []):
                phone = phone_of.get(kind, lambda r: r["customer_phone"])(rec)
                out.append({"source": kind, "id": rec["id"], "date": rec["dt"].date().isoformat(),
                            "language": rec["language"], "customer_phone": phone,
                            "customer_key": normalise_phone(phone)})
        return sorted(out, key=lambda x: (x["date"], x["id"]))

    andon = {"rule": base["andon"]["rule"], "planted": [], "non_triggers": []}
    for group in ("planted", "non_triggers"):
        for spec in base["andon"][group]:
            items = contacts(spec["tag"])
            lo, hi = spec["window"]["start"], spec["window"]["end"]
            inside = [x for x in items if lo <= x["date"] <= hi]
            n_customers = len({x["customer_key"] for x in inside})
            if spec["should_alert"] and n_customers < 3:
                fail(f"andon {spec['id']}: only {n_customers} distinct customers in window")
            if not spec["should_alert"] and n_customers != 1:
                fail(f"andon {spec['id']}: {n_customers} distinct customers, expected exactly 1")
            if any(not (lo <= x["date"] <= hi) for x in items):
                fail(f"andon {spec['id']}: a tagged contact lies outside the window")
            texts = {rec["id"]: " ".join(rec["texts"]) for _, rec in sources}
            for x in items:
                if not any(p in texts[x["id"]] for p in spec["phrases"]):
                    fail(f"andon {spec['id']}: {x['id']} does not mention the issue")
            entry = {k: v for k, v in spec.items() if k != "tag"}
            entry.update({"distinct_customers": n_customers, "contacts": len(items),
                          "languages": sorted({x["language"] for x in items}),
                          "channels": sorted({x["source"] for x in items}), "evidence": items})
            andon[group].append(entry)

    all_text = "\n".join(t for _, rec in sources for t in rec["texts"]) + "\n" + \
        "\n".join(t for s in sales for t in s["texts"])
    where: dict[str, list[str]] = defaultdict(list)
    for _, rec in sources:
        for t in rec["texts"]:
            for item in base["pii"]["must_mask"] + base["pii"]["must_not_mask"]:
                if item["value"] in t and rec["id"] not in where[item["value"]]:
                    where[item["value"]].append(rec["id"])
    for s in sales:
        for t in s["texts"]:
            for item in base["pii"]["must_mask"] + base["pii"]["must_not_mask"]:
                if item["value"] in t and s["id"] not in where[item["value"]]:
                    where[item["value"]].append(s["id"])
    pii: dict = {"must_mask": [], "must_not_mask": []}
    for group in ("must_mask", "must_not_mask"):
        for item in base["pii"][group]:
            v = item["value"]
            if v not in all_text:
                fail(f"pii {group}: {v!r} not found in any text")
            if item["kind"] == "cn_resident_id" and not resident_id_ok(v):
                fail(f"pii: resident id {v} has a wrong check digit")
            if item["kind"] == "bank_card" and not luhn_ok(v):
                fail(f"pii: card {v} fails Luhn")
            if group == "must_not_mask":
                digits = re.sub(r"\D", "", v)
                if luhn_ok(digits) or (len(digits) == 18 and resident_id_ok(digits)):
                    fail(f"pii: near miss {v} passes a checksum")
            pii[group].append({**item, "found_in": where[v]})
    conversations_with_pii = sorted({i for item in pii["must_mask"] for i in item["found_in"]})

    docs = {}
    for q in base["knowledge"]["answerable"]:
        path = DEMO / q["doc"]
        if not path.exists():
            fail(f"knowledge: {q['doc']} missing")
        elif q["answer"] not in path.read_text(encoding="utf-8"):
            fail(f"knowledge: answer {q['answer']!r} not verbatim in {q['doc']}")
    for p in sorted((DEMO / "docs").rglob("*")):
        if p.is_file():
            docs[p] = p.read_text(encoding="utf-8").lower()
    for q in base["knowledge"]["gaps"]:
        for term in q["absent_terms"]:
            hits = [str(p.relative_to(DEMO)) for p, t in docs.items() if term.lower() in t]
            if hits:
                fail(f"knowledge gap {q['question']!r}: term {term!r} found in {hits}")

    lost = []
    for s in sales:
        if s["outcome"] == "lost":
            quote = [t for who, t in s["lines"] if who == "C"][-1]
            lost.append({"id": s["id"], "team": TEAMS[s["agent_id"]], "agent_id": s["agent_id"],
                         "product": s["product"], "language": s["language"], "loss_reason": s["loss_reason"],
                         "quote": quote})
    for c in calls:
        if c.get("outcome") == "lost":
            quote = [t["text"] for t in c["turns"] if t["speaker"] == "customer"][-1]
            lost.append({"id": c["id"], "team": c["team"], "agent_id": c["agent_id"], "product": c["product"],
                         "language": c["language"], "loss_reason": c["loss_reason"], "quote": quote})
    reason_counts = Counter(x["loss_reason"] for x in lost if x["id"].startswith("SALE"))
    top = [r for r, _ in reason_counts.most_common(2)]
    if set(top) != {"price", "competitor"}:
        fail(f"loss reasons: price and competitor should be the most frequent, got {reason_counts}")

    quality = {"about": base["quality"]["about"], "planted": []}
    for case in base["quality"]["planted"]:
        ids = sorted(rec["id"] for _, rec in sources if case["tag"] in rec.get("tags", []))
        if not ids:
            fail(f"quality {case['id']}: no conversation is tagged {case['tag']}")
        quality["planted"].append({**{k: v for k, v in case.items() if k != "tag"}, "conversations": ids})

    return {
        "about": "Planted signals in the Lumora demo corpus. Generated by demo/tools/make_corpus.py; "
                 "see EXPECTED.md for the prose version.",
        "counts": {
            "chats": len(chats), "chat_messages": sum(len(c["lines"]) for c in chats),
            "work_orders": len(orders), "sales_conversations": len(sales),
            "sales_turns": sum(len(s["lines"]) for s in sales), "calls": len(calls),
            "docs_markdown": {lang: len(list((DEMO / "docs" / lang).glob("*.md"))) for lang in ("en", "zh")},
        },
        "andon": andon,
        "knowledge": base["knowledge"],
        "lost_deals": {
            "sales_csv_loss_reason_counts": dict(reason_counts.most_common()),
            "sales_csv_won": sorted(s["id"] for s in sales if s["outcome"] == "won"),
            "calls_won": sorted(c["id"] for c in calls if c.get("outcome") == "won"),
            "lost": lost,
        },
        "pii": {**pii, "records_with_pii": conversations_with_pii,
                "note": "customer_phone / customer_email / customer_number columns are personal data as well."},
        "intents": {**{c["id"]: c["intent"] for c in chats}, **{c["id"]: c["intent"] for c in calls}},
        "work_order_categories": dict(Counter(o["category"] for o in orders).most_common()),
        "quality": quality,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description="Build the demo CSVs and expected.yaml")
    ap.add_argument("--check", action="store_true", help="check only, write nothing")
    args = ap.parse_args()
    catalog = yaml.safe_load((DEMO / "catalog.yaml").read_text(encoding="utf-8"))
    products = {p["id"] for p in catalog["products"]}
    chats, chat_rows = build_chats(products)
    orders, wo_rows = build_work_orders(products)
    sales, sales_rows = build_sales(products)
    calls = load_calls(products)
    check_docs(products)
    base = yaml.safe_load((SRC / "expected_base.yaml").read_text(encoding="utf-8"))
    exp = expected(base, chats, orders, sales, calls)

    if len(chats) < 60 or len(orders) < 60 or len(sales) < 24 or len(calls) < 14:
        fail(f"too few records: {exp['counts']}")
    if sum(c["outcome"] == "lost" for c in sales) < 14:
        fail("fewer than 14 lost deals")
    if len({s["agent_id"] for s in sales}) < 6 or len({TEAMS[s["agent_id"]] for s in sales}) < 3:
        fail("sales need >= 6 reps in >= 3 teams")
    if len(exp["pii"]["records_with_pii"]) < 15:
        fail("fewer than 15 records with personal data in the text")

    if errors:
        print("\n".join(f"ERROR {e}" for e in errors), file=sys.stderr)
        sys.exit(1)
    if not args.check:
        outputs = {
            DEMO / "chats" / "chats.csv": to_csv(CHAT_COLUMNS, chat_rows),
            DEMO / "work_orders" / "work_orders.csv": to_csv(WO_COLUMNS, wo_rows),
            DEMO / "sales" / "sales.csv": to_csv(SALES_COLUMNS, sales_rows),
            DEMO / "expected.yaml": "# Generated by demo/tools/make_corpus.py from tools/src/expected_base.yaml; "
                                    "do not edit by hand.\n" +
                                    yaml.safe_dump(exp, allow_unicode=True, sort_keys=False, width=120),
        }
        for path, text in outputs.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    c = exp["counts"]
    print(f"chats {c['chats']} ({c['chat_messages']} messages), work orders {c['work_orders']}, "
          f"sales {c['sales_conversations']} ({c['sales_turns']} turns), calls {c['calls']}, docs {c['docs_markdown']}")
    for group in ("planted", "non_triggers"):
        for a in exp["andon"][group]:
            print(f"andon {a['id']}: {a['distinct_customers']} customers, {a['contacts']} contacts, "
                  f"{a['channels']} {a['languages']}: " + ", ".join(x["id"] for x in a["evidence"]))
    print("loss reasons:", exp["lost_deals"]["sales_csv_loss_reason_counts"])
    print("records with pii:", len(exp["pii"]["records_with_pii"]))


if __name__ == "__main__":
    main()
