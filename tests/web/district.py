"""The demo district the browser tests run on, built as ``make demo`` builds it (without the recommender).

Building takes a minute and a half. So that no pytest worker sits idle waiting for it, the run starts the
build in the background as it begins (``start_background_build``, from tests/conftest.py) while the other
tests run; the ``demo_district`` fixture then only waits for it. ``BUTLER_TEST_DEMO_DISTRICT`` names a
developer's own district directory, built once and reused between runs.
"""

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DEMO_SEED = 42
SEED_NOW = "2026-11-24T06:00:00+08:00"
KEEP_DISTRICT = "BUTLER_TEST_DEMO_DISTRICT"  # a developer's district, kept between runs
RUN_DISTRICT = "BUTLER_TEST_RUN_DISTRICT"  # this run's district, removed at its end
WEB_TESTS = Path(__file__).resolve().parent
ROOT = WEB_TESTS.parents[1]


def district_env(directory: Path) -> dict[str, str]:
    """The environment of a command on the district in DIRECTORY: its database, its own model registry."""
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    env.update(
        BUTLER_DATABASE_URL=f"sqlite:///{directory / 'demo.db'}",
        BUTLER_VAR_DIR=str(directory / "var"),
        BUTLER_SCHEDULER="off",
        MLFLOW_DISABLE_TELEMETRY="true",
        BENTOML_DO_NOT_TRACK="true",
    )
    return env


def _butler(*args: str, env: dict[str, str]) -> None:
    butler = Path(sys.executable).with_name("butler")
    result = subprocess.run([str(butler), *args], env=env, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise RuntimeError(
            f"butler {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
        )


def _build(directory: Path) -> None:
    env = district_env(directory)
    _butler("db", "upgrade", env=env)
    _butler("seed", "--scale", "small", "--seed", str(DEMO_SEED), "--now", SEED_NOW, env=env)
    _butler("user", "demo", env=env)
    _butler("lexicon", "init", env=env)
    _butler("train", "dispatch", "--search-seconds", "5", env=env)
    _butler("intake", "simulate", "--count", "12", env=env)
    _butler("portraits", "build", env=env)
    _butler("associations", "build", env=env)


def built(directory: Path) -> Path:
    """DIRECTORY with the district in it: built now, or waited for while another process builds it."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory.parent / f"{directory.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (directory / "ready").exists():
            shutil.rmtree(directory, ignore_errors=True)
            directory.mkdir()
            _build(directory)
            (directory / "ready").touch()
    return directory


def chosen_directory() -> Path | None:
    """The developer's kept district, else the one this run builds in the background, if any."""
    named = os.environ.get(KEEP_DISTRICT) or os.environ.get(RUN_DISTRICT)
    return Path(named) if named else None


def _runs_browser_tests(args: list[str], markexpr: str) -> bool:
    if markexpr.strip() == "db":  # the PostgreSQL pass: database tests only, no browser
        return False
    for arg in args or ["tests"]:
        path = (ROOT / arg.split("::")[0]).resolve()
        if path == WEB_TESTS or WEB_TESTS in path.parents or path in WEB_TESTS.parents:
            return True
    return False


def start_background_build(args: list[str], markexpr: str) -> subprocess.Popen | None:
    """Begin building this run's district now, if the run has browser tests to give it to."""
    if CHROMIUM is None or os.environ.get(KEEP_DISTRICT) or not _runs_browser_tests(args, markexpr):
        return None
    directory = Path(tempfile.mkdtemp(prefix="butler-demo-district-")) / "district"
    os.environ[RUN_DISTRICT] = str(directory)  # the workers, started after this, inherit it
    return subprocess.Popen(
        [sys.executable, "-m", "tests.web.district", str(directory)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def finish_background_build(process: subprocess.Popen | None) -> None:
    """At the run's end: stop a build nobody waited for and remove this run's district."""
    if process is None:
        return
    if process.poll() is None:
        process.kill()
        process.wait()
    shutil.rmtree(Path(os.environ.pop(RUN_DISTRICT)).parent, ignore_errors=True)


if __name__ == "__main__":
    built(Path(sys.argv[1]))
