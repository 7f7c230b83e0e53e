"""Text features: normalisation and masking, jieba tokenisation with the domain dictionary, DB terms."""

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.orm import Session

import features.text.tokenize as tokenize_module
from core_app.config import get_settings
from features.text.dictionary import domain_terms_from_db, strip_region, write_user_dictionary
from features.text.normalize import PLACEHOLDERS, normalize, normalize_series
from features.text.tokenize import stopwords, tokenize
from tests.api import builders


def _use_var_dir(monkeypatch: pytest.MonkeyPatch, var_dir: Path) -> None:
    monkeypatch.setenv("BUTLER_VAR_DIR", str(var_dir))
    get_settings.cache_clear()
    tokenize_module.reset()


def _forget_var_dir() -> None:
    tokenize_module.reset()
    get_settings.cache_clear()


@pytest.fixture(scope="module", autouse=True)
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One tokenizer for the module, its jieba cache in a temporary var dir (not ./var, not /tmp)."""
    path = tmp_path_factory.mktemp("var")
    with pytest.MonkeyPatch.context() as monkeypatch:
        _use_var_dir(monkeypatch, path)
        yield path
        _forget_var_dir()


# --- normalisation ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＡＢＣ１２３　全角", "abc123 全角"),
        ("  多个   空格\n\t换行 ", "多个 空格 换行"),
        ("Hello World", "hello world"),
        ("", ""),
        ("   \n\t ", ""),
    ],
)
def test_normalize_width_case_whitespace(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_normalize_converts_traditional_to_simplified() -> None:
    assert normalize("請聯繫市場監督管理局處理噪音擾民") == "请联系市场监督管理局处理噪音扰民"


def test_normalize_leaves_simplified_untouched() -> None:
    assert normalize("请联系市场监督管理局处理噪音扰民") == "请联系市场监督管理局处理噪音扰民"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("详见 https://www.gov.cn/a?b=1 网页", "详见 URL 网页"),
        ("网站www.example.com打不开", "网站 URL 打不开"),
        ("身份证33020319900101123X已丢失", "身份证 IDNO 已丢失"),
        ("老身份证330203900101123", "老身份证 IDNO"),
        ("电话13812345678", "电话 PHONE"),
        ("电话138-1234-5678", "电话 PHONE"),
        ("座机0571-88886666", "座机 PHONE"),
        ("座机(0571)88886666", "座机 PHONE"),
        ("客服400-123-4567", "客服 PHONE"),
        ("2024年3月5日发生", "DATE 发生"),
        ("2024-03-05发生", "DATE 发生"),
        ("3月5日发生", "DATE 发生"),
        ("9点30分发生", "DATE 发生"),
        ("下午3点开始", "DATE 开始"),
        ("上午10:30开始", "DATE 开始"),
        ("晚上11:30还在施工", "晚上 DATE 还在施工"),
        ("欠薪123元", "欠薪 AMOUNT"),
        ("损失1.5万元", "损失 AMOUNT"),
        ("收费¥300", "收费 AMOUNT"),
        ("收费￥300", "收费 AMOUNT"),
        ("订单2023112300001未发货", "订单 NUM 未发货"),
    ],
)
def test_normalize_masks(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_normalize_keeps_short_service_numbers() -> None:
    assert normalize("打12345热线和110") == "打12345热线和110"


def test_masked_text_cannot_forge_a_placeholder() -> None:
    assert normalize("PHONE URL") == "phone url"


def test_normalize_series_matches_normalize_and_keeps_index() -> None:
    texts = pd.Series(["电话13812345678", None, "ＡＢＣ", "电话13812345678"], index=[5, 6, 7, 8])
    result = normalize_series(texts)
    assert result.tolist() == ["电话 PHONE", "", "abc", "电话 PHONE"]
    assert result.index.tolist() == [5, 6, 7, 8]


# --- tokenisation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["燃气泄漏", "市场监督管理局", "住房和城乡建设局", "噪音扰民", "占道经营"])
def test_tokenize_keeps_domain_words_whole(word: str) -> None:
    assert word in tokenize(f"小区里{word}的问题请尽快处理")


def test_tokenize_drops_stopwords_and_punctuation_but_keeps_negations() -> None:
    tokens = tokenize("我们已经多次反映了，但是一直没有人处理！！")
    assert {"多次", "一直", "没有"} <= set(tokens)
    assert not {"我们", "了", "但是", "，", "！"} & set(tokens)
    assert "的" in stopwords() and "不" not in stopwords()


def test_tokenize_keeps_placeholders_as_single_tokens() -> None:
    tokens = tokenize("2024年3月5日请拨打13812345678，罚款500元，详见http://a.gov.cn")
    assert [t for t in tokens if t in PLACEHOLDERS] == ["DATE", "PHONE", "AMOUNT", "URL"]
    assert "13812345678" not in "".join(tokens)


def test_tokenize_is_deterministic_and_handles_empty_input() -> None:
    text = "請聯繫住建局：小区电梯故障，多次维修无果"
    assert tokenize(text) == tokenize(text)
    assert "电梯故障" in tokenize(text)
    assert tokenize("") == [] and tokenize("  ") == [] and tokenize("，。！") == []


def test_tokenize_is_a_module_level_function_for_skops() -> None:
    assert (tokenize.__module__, tokenize.__qualname__) == ("features.text.tokenize", "tokenize")


def test_jieba_cache_and_extra_dictionary_live_under_var_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use_var_dir(monkeypatch, tmp_path)
    try:
        write_user_dictionary(["联丰米兰春天小区"], tmp_path / "text" / "userdict.txt")
        assert "联丰米兰春天小区" in tokenize("联丰米兰春天小区噪音扰民")
        caches = list(tmp_path.rglob("jieba*.cache"))
        assert caches and all(tmp_path in cache.parents for cache in caches)
    finally:
        _forget_var_dir()


# --- dictionary from the database ------------------------------------------------------------------------


def test_strip_region_removes_nested_region_prefixes() -> None:
    assert strip_region("云溪区联丰街道办事处", ["云溪区", "联丰街道"]) == "办事处"
    assert strip_region("云溪区", ["云溪区"]) == "云溪区"


def test_domain_terms_from_db(session: Session) -> None:
    region = builders.region(session, name="云溪区")
    department = builders.department(session, name="云溪区市场监督管理局", region_id=region.id)
    builders.department(session, name="云溪区住房和城乡建设局", region_id=region.id)
    builders.matter(session, name="食品经营许可证核发", department_id=department.id)

    terms = domain_terms_from_db(session)

    expected = {"云溪区", "云溪区市场监督管理局", "市场监督管理局", "市场监管局", "住建局"}
    expected.add("食品经营许可证核发")
    assert expected <= set(terms)
    assert terms == sorted(set(terms))


def test_write_user_dictionary_is_clean_and_sorted(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "userdict.txt"
    count = write_user_dictionary(["市场监管局", "  市场监管局 ", "ＡＢＣ 公司", ""], path)
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    assert count == 2
    assert lines == ["abc公司 2000", "市场监管局 2000"]
    assert list(path.parent.iterdir()) == [path]
