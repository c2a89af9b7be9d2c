#!/usr/bin/env python3
"""Generate the demo call recordings from demo/calls/scripts.yaml (developer tool).

The audio is committed, so users never run this. It exists so the recordings can be rebuilt or extended.

What it makes, for every call in scripts.yaml:

* ``CALL-XXXX.ogg``: Ogg Vorbis, 2 channels, 8 kHz. The agent speaks on the LEFT channel and the customer on
  the RIGHT channel; turns follow each other with a 0.4 s gap (a turn's ``gap_before`` changes it: a long hold,
  or a negative gap for an interruption) and the other channel is silent meanwhile.
* ``tools/src/call_timeline.yaml``: where each turn's voice is, the truth for the QA timing items.
* ``CALL-XXXX.json``: the call metadata (id, started_at, agent_id, team, customer_number, product, language,
  outcome).

Speech: English turns are spoken by flite (agent voice ``rms``, customer ``slt``), Mandarin turns by espeak-ng
``cmn-latn-pinyin`` (agent ``+f3`` at 115 wpm, customer ``+f2`` at 130 wpm) fed PINYIN with tone numbers, because
``-v zh``/``-v cmn`` read hanzi badly. Each Chinese turn keeps its hanzi in ``text`` and the synthesis input in
``pinyin``; ``--fill-pinyin`` (re)computes the pinyin fields with the ``pypinyin`` package and rewrites
scripts.yaml (install pypinyin in a throwaway venv, not in the project). Phone numbers are read digit by digit.
English audio gets a 300-3400 Hz telephone band-pass.

Requirements: flite, espeak-ng and sox with the Vorbis format (Debian: ``apt-get install flite espeak-ng sox
libsox-fmt-all``), PyYAML. ``--english-engine espeak`` uses espeak-ng for English too (no flite needed).

Usage::

    python demo/tools/make_calls.py --fill-pinyin     # only when Chinese text changed (needs pypinyin)
    python demo/tools/make_calls.py                   # writes demo/calls/CALL-*.ogg and *.json
    python demo/tools/make_calls.py --only CALL-0003  # one call
"""
from __future__ import annotations

import argparse
import array
import json
import re
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import yaml

CALLS_DIR = Path(__file__).resolve().parent.parent / "calls"
SCRIPTS = CALLS_DIR / "scripts.yaml"
TIMELINE = CALLS_DIR.parent / "tools" / "src" / "call_timeline.yaml"
TIMELINE_HEADER = """\
# Written by demo/tools/make_calls.py: where each turn's voice is in the built recording (seconds from the start;
# first and last sample above 1% of full scale). The ground truth for the QA timing items (bench/quality.py).
"""
RATE = 8000
GAP_S = 0.4
LEAD_S = 0.5
TAIL_S = 0.6
VORBIS_QUALITY = "-1"  # lowest Vorbis quality: about 1/3 of the default size, still clear at 8 kHz

# Chosen by transcribing test sentences with faster-whisper base at 8 kHz (see demo/README.md):
# English: flite's clustergen voices were recognised almost word for word (WER ~0.03) where espeak-ng's English
# voices lost a quarter of the words; Mandarin: only espeak-ng is available, its female variants at a slow rate
# were the most intelligible.
FLITE_VOICES = {"agent": "rms", "customer": "slt"}
# (voice, words per minute, word gap in 10 ms units)
ESPEAK_VOICES = {
    ("en", "agent"): ("en-us+m1", 160, 3),
    ("en", "customer"): ("en-us+f3", 155, 3),
    ("zh", "agent"): ("cmn-latn-pinyin+f3", 115, 0),
    ("zh", "customer"): ("cmn-latn-pinyin+f2", 130, 0),
}
# sox effects after resampling to 8 kHz: a telephone band-pass for English (it did not help Mandarin)
EFFECTS = {"en": ["sinc", "300-3400"], "zh": []}
META_KEYS = ["id", "started_at", "agent_id", "team", "customer_number", "product", "language", "outcome"]

HEADER = """\
# Scripted phone calls for the Lumora demo corpus (fictional; written for cxloop, MIT).
# demo/tools/make_calls.py turns each call into CALL-XXXX.ogg (agent LEFT, customer RIGHT, 8 kHz) and CALL-XXXX.json.
# Chinese turns carry a "pinyin" field (tone numbers) used for synthesis: espeak-ng -v cmn-latn-pinyin.
# Extra keys beyond the required ones: intent, tags, loss_reason (sales calls only).
"""

# --- text preparation -------------------------------------------------------------------------------------------

PHONE_RE = re.compile(r"\+?\d[\d\s-]{6,}\d")
DIGIT_PINYIN = {"0": "ling2", "1": "yao1", "2": "er4", "3": "san1", "4": "si4",
                "5": "wu3", "6": "liu4", "7": "qi1", "8": "ba1", "9": "jiu3"}
DIGIT_EN = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def english_speech(text: str) -> str:
    """Phone numbers are read digit by digit, the way people say them."""
    def spell(m: re.Match[str]) -> str:
        groups = [g for g in re.split(r"[\s-]+", m.group(0).lstrip("+")) if g]
        return ", ".join(" ".join(DIGIT_EN[int(d)] for d in g) for g in groups)
    return PHONE_RE.sub(spell, text)


def to_pinyin(text: str) -> str:
    """Hanzi -> space-separated tone-number pinyin; phone numbers digit by digit ("yao1" for 1)."""
    from pypinyin import Style, lazy_pinyin  # only needed for --fill-pinyin

    def spell(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        if m.group(0).startswith("+86"):
            digits = digits[2:]
        return " " + " ".join(DIGIT_PINYIN[d] for d in digits) + " "

    text = PHONE_RE.sub(spell, text)
    out: list[str] = []
    for tok in lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, v_to_u=True):
        tok = tok.strip()
        if not tok:
            continue
        if tok in "，、；：":
            out.append(",")
        elif tok in "。！？…":
            out.append(".")
        else:
            out.append(tok)
    joined = " ".join(out).translate(str.maketrans("，、；：。！？", ",,,,..."))
    return re.sub(r"\s+([,.])", r"\1", re.sub(r"\s+", " ", joined)).strip()


# --- audio --------------------------------------------------------------------------------------------------------

def synth(text: str, lang: str, role: str, workdir: Path, n: int, english_engine: str) -> array.array:
    raw = workdir / f"t{n}.wav"
    low = workdir / f"t{n}_8k.wav"
    if lang == "en" and english_engine == "flite":
        cmd = ["flite", "-voice", FLITE_VOICES[role], "-t", text, "-o", str(raw)]
    else:
        voice, wpm, word_gap = ESPEAK_VOICES[(lang, role)]
        cmd = ["espeak-ng", "-v", voice, "-s", str(wpm), "-g", str(word_gap), "-w", str(raw), text]
    subprocess.run(cmd, check=True, capture_output=True)
    subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(low), *EFFECTS[lang], "norm", "-3"],
                   check=True, capture_output=True)
    with wave.open(str(low)) as w:
        samples = array.array("h", w.readframes(w.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def trimmed(samples: array.array, start_s: float) -> tuple[float, float]:
    """Where the voice is in a synthesised turn placed at `start_s`: first and last sample above 1% of full scale."""
    loud = [i for i, v in enumerate(samples) if abs(v) > 328]
    if not loud:
        return start_s, start_s
    return round(start_s + loud[0] / RATE, 3), round(start_s + (loud[-1] + 1) / RATE, 3)


def build_call(call: dict, out_dir: Path, english_engine: str = "flite") -> tuple[float, list[dict]]:
    """Write the call's audio and sidecar; return its length and the timeline (where each turn's voice is).

    A turn's ``gap_before`` (seconds, default GAP_S) is the silence after the previous turn ends: a long one is a
    hold or dead air, a negative one starts the turn before the previous one ends (overtalk, an interruption).
    """
    lang = call["language"]
    placed: list[tuple[str, int, array.array]] = []  # (speaker, start sample, samples)
    cursor = int(LEAD_S * RATE)
    with tempfile.TemporaryDirectory() as tmp:
        for n, turn in enumerate(call["turns"]):
            role = turn["speaker"]
            if lang == "zh":
                if not turn.get("pinyin"):
                    raise SystemExit(f"{call['id']} turn {n}: no pinyin; run with --fill-pinyin")
                speech = turn["pinyin"]
            else:
                speech = english_speech(turn["text"])
            s = synth(speech, lang, role, Path(tmp), n, english_engine)
            if n:
                cursor = max(0, cursor + int(float(turn.get("gap_before", GAP_S)) * RATE))
            placed.append((role, cursor, s))
            cursor += len(s)
        length = max(start + len(s) for _, start, s in placed) + int(TAIL_S * RATE)
        left = array.array("h", [0] * length)
        right = array.array("h", [0] * length)
        timeline = []
        for n, (role, start, s) in enumerate(placed):
            channel = left if role == "agent" else right
            channel[start:start + len(s)] = s
            voice_start, voice_end = trimmed(s, start / RATE)
            timeline.append({"turn": n, "speaker": role, "start_s": voice_start, "end_s": voice_end})
        inter = array.array("h", [0] * (2 * length))
        inter[0::2] = left
        inter[1::2] = right
        if sys.byteorder == "big":
            inter.byteswap()
        stereo = Path(tmp) / "stereo.wav"
        with wave.open(str(stereo), "wb") as w:
            w.setnchannels(2)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(inter.tobytes())
        ogg = out_dir / f"{call['id']}.ogg"
        subprocess.run(["sox", str(stereo), "-C", VORBIS_QUALITY, str(ogg)], check=True, capture_output=True)
    meta = {k: call.get(k) for k in META_KEYS}
    (out_dir / f"{call['id']}.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n",
                                                encoding="utf-8")
    return length / RATE, timeline


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fill-pinyin", action="store_true", help="recompute pinyin fields (needs pypinyin)")
    ap.add_argument("--only", nargs="*", help="call ids to build (default: all)")
    ap.add_argument("--english-engine", choices=["flite", "espeak"], default="flite",
                    help="synthesiser for English calls (default: flite; espeak-ng is clearly less intelligible)")
    ap.add_argument("--out", type=Path, default=CALLS_DIR,
                    help="folder for the audio and sidecars (default: demo/calls); the timeline is always written")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    data = yaml.safe_load(SCRIPTS.read_text(encoding="utf-8"))
    calls = data["calls"]
    if args.fill_pinyin:
        for call in calls:
            if call["language"] == "zh":
                for turn in call["turns"]:
                    turn["pinyin"] = to_pinyin(turn["text"])
        body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
        SCRIPTS.write_text(HEADER + body, encoding="utf-8")
        print(f"pinyin written for {sum(c['language'] == 'zh' for c in calls)} Chinese calls")
        return
    total = 0.0
    timelines = yaml.safe_load(TIMELINE.read_text(encoding="utf-8")) if TIMELINE.exists() else None
    timelines = (timelines or {}).get("calls", {})
    for call in calls:
        if args.only and call["id"] not in args.only:
            continue
        secs, timelines[call["id"]] = build_call(call, args.out, args.english_engine)
        total += secs
        print(f"{call['id']}  {call['language']}  {secs:5.1f} s")
    body = yaml.safe_dump({"calls": dict(sorted(timelines.items()))}, sort_keys=False, width=1000)
    TIMELINE.write_text(TIMELINE_HEADER + body, encoding="utf-8")
    print(f"total {total:.1f} s; timeline in {TIMELINE.name}")


if __name__ == "__main__":
    main()
