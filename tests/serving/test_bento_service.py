"""The BentoML service, started with `bentoml serve` as documented, answers HttpPredictor like in-process."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from serving.predictor import HttpPredictor, get_predictor
from tests.serving.fixtures import TEXTS, Store

ROOT = Path(__file__).resolve().parents[2]
READY_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"bentoml serve exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"bentoml serve not ready within {READY_SECONDS} s")


@pytest.fixture
def service_url(dispatch_store: Store, tmp_path) -> Iterator[str]:
    port = _free_port()
    env = os.environ | {
        "MLFLOW_TRACKING_URI": dispatch_store.uri,
        "BENTOML_HOME": str(tmp_path / "bentoml"),
        "BENTOML_DO_NOT_TRACK": "true",
        "MLFLOW_DISABLE_TELEMETRY": "true",
    }
    bentoml = Path(sys.executable).with_name("bentoml")
    command = [str(bentoml), "serve", "serving.bento_service:DispatchService", "--port", str(port)]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _rows(frame: pd.DataFrame) -> list[dict]:
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def test_the_service_answers_batches_like_the_in_process_predictor(service_url, dispatch_store) -> None:
    frame = pd.DataFrame(
        {
            "text": [TEXTS["WATER"], "", TEXTS["CITY"]],
            "source": ["app", "app", "hotline_12345"],
            "reporter_type": "citizen",
            "street": "东街道",
            "reporter_history": "new",
            "reported_at": pd.Timestamp("2025-03-03 21:00", tz="Asia/Shanghai"),
        }
    )
    remote = HttpPredictor(service_url)
    ranked = remote.rank(frame, k=3)
    local = get_predictor().rank(frame, k=3)
    assert remote.version == dispatch_store.version and remote.name == "dispatch"
    assert remote.threshold == pytest.approx(get_predictor().threshold)
    assert _rows(ranked) == _rows(local)
    tables = remote.table(frame)
    assert tables == get_predictor().table(frame)
    assert tables[1] == [] and tables[0][0]["label"] == "WATER"

    timings = []
    for _ in range(30):
        started = time.perf_counter()
        remote.rank(frame.head(1))
        timings.append(time.perf_counter() - started)
    print(f"bentoml HTTP single-event rank: p50 {pd.Series(timings).median() * 1000:.1f} ms")
    remote.close()


def test_bad_requests_are_4xx_not_5xx(service_url) -> None:
    response = httpx.post(f"{service_url}/rank", json={"records": [{"body": "no text"}]})
    assert 400 <= response.status_code < 500
    response = httpx.post(f"{service_url}/rank", json={"records": []})
    assert response.status_code == 200 and response.json()["rows"] == []


def _serve(service: str, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    bentoml = Path(sys.executable).with_name("bentoml")
    command = [str(bentoml), "serve", f"serving.bento_service:{service}", "--port", str(port)]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    return process, f"http://127.0.0.1:{port}"


def test_the_emotion_service_scores_like_the_shipped_model_in_process(tmp_path) -> None:
    from serving.emotion import load_packaged

    env = os.environ | {
        "BUTLER_VAR_DIR": str(tmp_path / "var"),  # no MLflow store: the shipped model answers
        "BENTOML_HOME": str(tmp_path / "bentoml"),
        "BENTOML_DO_NOT_TRACK": "true",
        "MLFLOW_DISABLE_TELEMETRY": "true",
    }
    env.pop("MLFLOW_TRACKING_URI", None)
    process, url = _serve("EmotionService", env)
    try:
        _wait_ready(url, process)
        texts = ["燃气泄漏了，非常着急！", "", "服务很好，谢谢"]
        answer = httpx.post(f"{url}/score", json={"texts": texts}, timeout=30).json()
        local = load_packaged().analyse(texts)
        assert answer["model_version"] == "packaged" and answer["model_name"] == "emotion"
        assert [r["polarity"] for r in answer["rows"]] == local["polarity"].tolist()
        assert [r["score"] for r in answer["rows"]] == pytest.approx(local["score"].tolist())
        assert answer["rows"][0]["urgent"] and answer["rows"][1]["note"] == "empty text"
        assert httpx.post(f"{url}/score", json={"texts": "not a list"}, timeout=30).status_code // 100 == 4
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
