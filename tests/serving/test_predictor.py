"""The in-process predictor: references, batches, blank texts, a clear error when there is no model."""

import pandas as pd
import pytest

from serving import predictor as serving
from serving.predictor import DispatchModelUnavailable, DispatchPredictor, get_predictor, parse_ref
from tests.serving.fixtures import TEXTS


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        (None, ("champion", None)),
        ("champion", ("champion", None)),
        ("challenger", ("challenger", None)),
        ("3", (None, "3")),
        ("v3", (None, "3")),
        ("V12", (None, "12")),
        (" v2 ", (None, "2")),
        ("v3x", ("v3x", None)),
    ],
)
def test_a_reference_is_an_alias_or_a_version(ref, expected) -> None:
    assert parse_ref(ref) == expected


def test_ranks_a_batch_in_input_order_and_never_guesses_a_blank_text(dispatch_store) -> None:
    predictor = get_predictor()
    assert predictor.version == dispatch_store.version and predictor.name == "dispatch"
    frame = pd.DataFrame({"text": [TEXTS["ROAD"], "  ", None, TEXTS["WATER"]]})
    ranked = predictor.rank(predictor.with_structured(frame, frame), k=3)
    assert list(ranked.columns) == ["top1", "top1_prob", "top2", "top2_prob", "top3", "top3_prob", "abstain"]
    assert ranked["top1"].tolist()[0] == "ROAD" and ranked["top1"].tolist()[3] == "WATER"
    assert ranked.loc[[1, 2], "abstain"].all() and ranked.loc[[1, 2], "top1"].isna().all()
    assert (ranked.loc[[0, 3], "top1_prob"] >= ranked.loc[[0, 3], "top2_prob"]).all()
    assert ranked["abstain"].dtype == bool


def test_the_table_lists_every_label_most_probable_first(dispatch_store) -> None:
    predictor = get_predictor()
    frame = pd.DataFrame({"text": [TEXTS["CITY"], ""]})
    tables = predictor.table(predictor.with_structured(frame, frame))
    assert tables[1] == []
    labels = [entry["label"] for entry in tables[0]]
    probabilities = [entry["probability"] for entry in tables[0]]
    assert labels[0] == "CITY" and sorted(labels) == ["CITY", "ROAD", "WATER"]
    assert probabilities == sorted(probabilities, reverse=True)
    assert sum(probabilities) == pytest.approx(1.0, abs=1e-3)


def test_loads_by_version_and_caches_per_reference(dispatch_store) -> None:
    by_version = get_predictor(f"v{dispatch_store.version}")
    assert by_version.version == dispatch_store.version
    assert get_predictor(dispatch_store.version) is not by_version  # cached by the words used
    assert get_predictor() is get_predictor("champion")
    serving.reset()
    assert serving._cache == {}


def test_k_is_bounded_by_the_number_of_labels(dispatch_store) -> None:
    ranked = get_predictor().rank(
        pd.DataFrame({"text": [TEXTS["ROAD"]]}).assign(
            source="", reporter_type="", street="", reported_at=None
        ),
        k=10,
    )
    assert "top3" in ranked.columns and "top4" not in ranked.columns


def test_an_unknown_alias_or_version_says_what_to_do(dispatch_store) -> None:
    with pytest.raises(DispatchModelUnavailable, match="alias 'nosuch'.*butler train dispatch"):
        DispatchPredictor("nosuch")
    with pytest.raises(DispatchModelUnavailable, match="version 99"):
        DispatchPredictor("v99")


def test_no_registered_model_says_train_one_first(empty_store) -> None:
    with pytest.raises(DispatchModelUnavailable, match="butler train dispatch"):
        get_predictor()


def test_input_without_a_text_column_is_refused(dispatch_store) -> None:
    with pytest.raises(ValueError, match="no 'text' column"):
        get_predictor().rank(pd.DataFrame({"body": ["x"]}))


def test_the_app_uses_http_when_a_service_url_is_set(monkeypatch) -> None:
    monkeypatch.setenv("BUTLER_DISPATCH_URL", "http://127.0.0.1:9/")
    serving.reset()
    try:
        chosen = serving.predictor_for_app()
        assert isinstance(chosen, serving.HttpPredictor) and chosen.url == "http://127.0.0.1:9"
        assert serving.predictor_for_app() is chosen
        with pytest.raises(DispatchModelUnavailable, match="unreachable"):
            chosen.rank(pd.DataFrame({"text": ["路灯不亮"]}))
    finally:
        serving.reset()


def test_records_keep_time_offsets_and_turn_missing_values_into_null() -> None:
    frame = pd.DataFrame(
        {"text": ["a", None], "reported_at": [pd.Timestamp("2025-03-03 21:00", tz="Asia/Shanghai"), None]}
    )
    records = serving.records_of(frame)
    assert records[0]["reported_at"] == "2025-03-03T21:00:00+08:00"
    assert records[1] == {"text": None, "reported_at": None}
