"""The learner's page: its runs, its race and its numbers, checked independently.

The runs are compared with gradient descent written by hand (test_demo's),
the optimum with scikit-learn's, the slice's derivatives with finite
differences, the contours with the loss written from its formula, and in a
headless Chromium (driven as tests/test_report.py does) the page's own
numbers with SciPy's ``expit``/``softmax``.
"""

from __future__ import annotations

import base64
import io
import json
import re
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from rich.console import Console
from scipy.special import expit, log_expit, softmax
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

from logreg.cli import main
from logreg.demo import DemoResult, run_demo
from logreg.learn.page import playground_data
from logreg.learn.race import InterceptHeld
from logreg.learn.replay import LEARNING_RATES, mean_log_loss
from test_demo import _hand_written_gradient_descent
from test_report import DevTools, _problems, find_chromium

DATA = re.compile(
    r'<script type="application/json" id="playground-data">(.*?)</script>'
)


def _demo(out: Path, **kwargs) -> tuple[DemoResult, str]:
    buffer = io.StringIO()
    result = run_demo(
        out=out,
        plots=False,
        html=True,
        console=Console(file=buffer, width=120),
        **kwargs,
    )
    return result, buffer.getvalue()


@pytest.fixture(scope="module")
def binary(tmp_path_factory) -> tuple[DemoResult, str]:
    return _demo(tmp_path_factory.mktemp("binary"))


@pytest.fixture(scope="module")
def multiclass(tmp_path_factory) -> tuple[DemoResult, str]:
    return _demo(tmp_path_factory.mktemp("multiclass"), classes=3, epochs=60)


def _training_rows(result: DemoResult) -> tuple[np.ndarray, np.ndarray]:
    playground = result.playground
    return playground.X, playground.y


def _sklearn_optimum(X, y) -> SkLogisticRegression:
    return SkLogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, y)


def _mean_log_loss(X, y, coef, intercept) -> float:
    """The binary mean log-loss from its formula, with SciPy's log-sigmoid."""
    z = X @ coef + intercept
    return float(-np.mean(np.where(y == 1, log_expit(z), log_expit(-z))))


# ------------------------------------------------------------- the runs
def test_every_run_is_gradient_descent_from_the_demos_start(binary):
    result, _ = binary
    playground = result.playground
    X, y = _training_rows(result)
    start = result.snapshots[0]
    assert [r.learning_rate for r in playground.runs] == sorted({*LEARNING_RATES, 0.2})
    assert playground.runs[playground.main].snapshots is result.snapshots
    for run in playground.runs:
        W, b, losses = _hand_written_gradient_descent(
            X, y, start.coef, start.intercept, run.learning_rate, 150
        )
        assert run.error is None
        np.testing.assert_allclose(run.losses, losses, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(run.snapshots[-1].coef, W, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(run.snapshots[-1].intercept, b, rtol=1e-9, atol=1e-9)


def test_verdicts_say_what_the_losses_do(binary):
    """0.0002 barely moves on the mean loss; 50 throws the loss up at once."""
    result, _ = binary
    playground = result.playground
    X, y = _training_rows(result)
    sk = _sklearn_optimum(X, y)
    minimum = _mean_log_loss(X, y, sk.coef_[0], sk.intercept_[0])
    assert playground.minimum == pytest.approx(minimum, rel=1e-9)
    verdicts = dict(
        zip(
            [r.learning_rate for r in playground.runs], playground.verdicts, strict=True
        )
    )
    start = result.snapshots[0]
    for lr, expected in ((0.0002, "too small"), (0.2, "good"), (50.0, "diverges")):
        *_, losses = _hand_written_gradient_descent(
            X, y, start.coef, start.intercept, lr, 150
        )
        progress = (losses[0] - losses[-1]) / (losses[0] - minimum)
        assert (progress < 0.5) == (expected == "too small")
        assert (max(losses) > losses[0]) == (expected == "diverges")
        assert verdicts[lr] == expected


# ------------------------------------------------------------- the race
def test_intercept_held_is_the_loss_and_its_derivatives(binary, reference_objective):
    result, _ = binary
    X, y = _training_rows(result)
    held = InterceptHeld(mean_log_loss(X, y, 2), -1.3)
    w = np.array([0.4, 0.9])
    expected = reference_objective(X, y, None, np.r_[w, -1.3][None], np.inf, True)
    value, grad, hessian = held.value_grad_hessian(w)
    assert value == pytest.approx(expected, rel=1e-12)
    h = 1e-5
    for j in range(2):
        e = np.eye(2)[j] * h
        numeric = (held.value(w + e) - held.value(w - e)) / (2 * h)
        assert grad[j] == pytest.approx(numeric, rel=1e-6, abs=1e-9)
        numeric_row = (
            held.value_and_grad(w + e)[1] - held.value_and_grad(w - e)[1]
        ) / (2 * h)
        np.testing.assert_allclose(hessian[j], numeric_row, rtol=1e-5, atol=1e-9)
    steps = np.array([0.0, 0.5, 2.0])
    along = held.values_along(w, np.array([1.0, -1.0]), steps)
    np.testing.assert_allclose(
        along, [held.value(w + t * np.array([1.0, -1.0])) for t in steps], rtol=1e-12
    )


def test_race_ends_at_scikit_learns_optimum_newton_first(binary):
    result, text = binary
    race = result.playground.race
    X, y = _training_rows(result)
    sk = _sklearn_optimum(X, y)
    np.testing.assert_allclose(race.optimum, sk.coef_[0], atol=1e-6)
    assert race.intercept == pytest.approx(sk.intercept_[0], abs=1e-6)
    steps = {}
    for path in race.paths:
        np.testing.assert_array_equal(path.points[0], result.snapshots[0].coef[0])
        assert path.reached
        np.testing.assert_allclose(path.points[-1], sk.coef_[0], atol=1e-4)
        steps[path.name] = path.steps
    assert steps["newton"] <= 10 < steps["momentum"] < steps["gd"]
    assert all(v is not None for v in race.full_steps.values())
    assert (
        race.full_steps["newton"] < race.full_steps["momentum"] < race.full_steps["gd"]
    )
    line = next(line for line in text.splitlines() if line.startswith("Race"))
    assert f"Newton: {steps['newton']}" in text.replace("\n", " ")
    assert "Race to the optimum" in line


def test_race_gradient_descent_is_the_hand_written_step(binary):
    """w <- w - lr X^T (sigmoid(X w + b*) - y) / n, with b held at b*."""
    result, _ = binary
    race = result.playground.race
    X, y = _training_rows(result)
    gd = next(path for path in race.paths if path.name == "gd")
    w = gd.points[0].copy()
    for k in range(1, 30):
        w = w - race.learning_rate * X.T @ (expit(X @ w + race.intercept) - y) / len(y)
        np.testing.assert_allclose(gd.points[k], w, rtol=1e-10, atol=1e-12)


def test_contours_are_level_sets_of_the_loss(binary):
    result, _ = binary
    playground = result.playground
    X, y = _training_rows(result)
    levels, lines = playground.surface.levels, playground.surface.lines
    assert np.all(np.diff(levels) > 0) and levels[0] > playground.race.minimum
    gaps = np.diff(levels)
    for k, level in enumerate(levels):
        assert lines[k], f"level {level} has no line"
        for line in lines[k]:
            for point in line[:: max(1, len(line) // 5)]:
                value = _mean_log_loss(X, y, point, playground.race.intercept)
                # Linear interpolation on a 97 x 97 grid: well within the spacing.
                assert abs(value - level) < 0.1 * gaps[min(k, len(gaps) - 1)]


def test_no_race_without_an_optimum_or_with_three_classes(tmp_path, multiclass):
    separated, _ = _demo(tmp_path, std=0.3, epochs=5)
    assert separated.playground.race is None
    assert separated.playground.minimum is None
    assert "separated" in separated.playground.note
    assert multiclass[0].playground.race is None
    assert "two classes" in multiclass[0].playground.note
    assert multiclass[0].playground.minimum is not None


# -------------------------------------------------------------- the page
@pytest.mark.parametrize("name", ["binary", "multiclass"])
def test_page_is_one_self_contained_file(name, request):
    result, text = request.getfixturevalue(name)
    page = result.files[-1]
    assert page.name == "playground.html" and f"Interactive page: {page}" in text
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and len(html) < 1_500_000
    assert not re.search(r"https?:|//cdn|<link rel=\"stylesheet|@import|src=", html)
    assert html.count("<script") == 2  # the data, and the project's script
    data = json.loads(DATA.search(html).group(1).replace("<\\/", "</"))
    assert data == json.loads(json.dumps(playground_data(result.playground)))
    assert data["classes"] == (2 if name == "binary" else 3)


def test_cli_writes_the_page_and_refuses_mixed_modes(capsys, tmp_path):
    small = ["--samples", "60", "--std", "4", "--epochs", "5", "--no-plots"]
    small += ["--out", str(tmp_path)]
    assert main(["demo", *small, "--html"]) == 0
    assert (tmp_path / "playground.html").is_file()
    assert "Race to the optimum" in capsys.readouterr().out
    assert main(["demo", "--tutorial", "--html"]) == 2
    assert main(["demo", "--tutorial", "--classes", "3"]) == 2
    assert "drop --classes" in capsys.readouterr().err


# ------------------------------------------------- in a real browser
class Tab:
    """One page open in the headless Chromium, to evaluate script in."""

    def __init__(self, browser: DevTools, path: Path, width: int = 1280):
        self.browser = browser
        self.target = browser.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = browser.call(
            "Target.attachToTarget", targetId=self.target, flatten=True
        )["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.call(f"{domain}.enable", self.session)
        self.size = {"width": width, "deviceScaleFactor": 1, "mobile": False}
        self.call("Emulation.setDeviceMetricsOverride", height=900, **self.size)
        self.call("Page.navigate", url=path.resolve().as_uri())
        browser.wait_for("Page.loadEventFired", self.session)

    def call(self, method: str, **params):
        return self.browser.call(method, self.session, **params)

    def js(self, expression: str):
        """The JSON value of ``expression`` in the page (None for undefined)."""
        reply = self.call(
            "Runtime.evaluate", expression=f"JSON.stringify({expression})"
        )
        assert "exceptionDetails" not in reply, reply
        value = reply["result"].get("value")  # none for undefined
        return None if value is None else json.loads(value)

    def screenshot(self) -> Image.Image:
        height = self.js("document.documentElement.scrollHeight")
        self.call("Emulation.setDeviceMetricsOverride", height=height, **self.size)
        data = self.call("Page.captureScreenshot", format="png")["data"]
        return Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")

    def problems(self) -> list[str]:
        return _problems(self.browser.events, self.session)

    def requests(self) -> list[str]:
        return [
            event["params"]["request"]["url"]
            for event in self.browser.events
            if event.get("sessionId") == self.session
            and event["method"] == "Network.requestWillBeSent"
        ]

    def close(self) -> None:
        self.browser.call("Target.closeTarget", targetId=self.target)


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    executable, reason = find_chromium()
    if executable is None:
        pytest.skip(reason)
    devtools = DevTools(executable, tmp_path_factory.mktemp("chromium-profile"))
    yield devtools
    devtools.close()


SET_EPOCH = """(() => {{ const s = document.getElementById("epoch");
  s.value = {0}; s.dispatchEvent(new Event("input")); return s.value; }})()"""
CLICK_POINT = """(() => {{ document.querySelector('#points circle[data-index="{0}"]')
  .dispatchEvent(new MouseEvent("click", {{bubbles: true}}));
  return Object.fromEntries([...document.querySelectorAll("#point-panel .num")]
    .map(e => [e.dataset.name, Number(e.dataset.value)])); }})()"""
SET_FRAME = """(() => {{ const s = document.getElementById("race-frame");
  s.value = {0}; s.dispatchEvent(new Event("input")); return Number(s.max); }})()"""
PATH_ENDS = """Object.fromEntries([...document.querySelectorAll("#race-paths polyline")]
  .map(p => [p.id, p.getAttribute("points").trim().split(" ").map(
    q => q.split(",").map(Number))]))"""


def _segments(d: str) -> list[np.ndarray]:
    numbers = [float(v) for v in re.findall(r"-?[\d.]+(?:e-?\d+)?", d)]
    return [
        np.array(numbers[i : i + 4]).reshape(2, 2) for i in range(0, len(numbers), 4)
    ]


def _to_data(pixels: np.ndarray, view) -> np.ndarray:
    """Replay plot pixels (the plot area is 440 x 440 at (48, 12)) to data."""
    x0, x1, y0, y1 = view
    return np.column_stack(
        [
            x0 + (pixels[:, 0] - 48) / 440 * (x1 - x0),
            y1 - (pixels[:, 1] - 12) / 440 * (y1 - y0),
        ]
    )


@pytest.mark.slow
def test_binary_page_in_chromium(binary, chromium, tmp_path):
    result, _ = binary
    X, y = _training_rows(result)
    tab = Tab(chromium, result.files[-1])
    assert tab.js("document.body.dataset.ready") == "true"
    assert tab.problems() == []
    assert {url.split(":", 1)[0] for url in tab.requests()} <= {"file", "data"}
    assert tab.js("document.documentElement.scrollWidth - window.innerWidth") <= 0
    view = tab.js(
        "JSON.parse(document.getElementById('playground-data').textContent).view"
    )

    # The slider moves the boundary: at each epoch it is that epoch's z = 0.
    drawn = {}
    for epoch in (0, 3):
        assert tab.js(SET_EPOCH.format(epoch)) == str(epoch)
        drawn[epoch] = tab.js("document.getElementById('boundary').getAttribute('d')")
        (segment,) = _segments(drawn[epoch])
        ends = _to_data(segment, view)
        snapshot = result.snapshots[epoch]
        z = ends @ snapshot.coef[0] + snapshot.intercept[0]
        np.testing.assert_allclose(z, 0.0, atol=0.05 * np.abs(snapshot.coef).sum())
    assert drawn[0] != drawn[3]

    # One point's numbers at epoch 3, against SciPy and the formulas.
    shown = tab.js(CLICK_POINT.format(17))
    snapshot = result.snapshots[3]
    z = float(X[17] @ snapshot.coef[0] + snapshot.intercept[0])
    p = float(expit(z))
    assert shown["z0"] == pytest.approx(z, rel=1e-12)
    assert shown["p1"] == pytest.approx(p, rel=1e-12)
    assert shown["loss"] == pytest.approx(-log_expit(z if y[17] else -z), rel=1e-10)
    share = (p - y[17]) * np.r_[X[17], 1.0] / len(y)
    for key, value in zip(("g1", "g2", "gb"), share, strict=True):
        assert shown[key] == pytest.approx(value, rel=1e-10)
    assert "point #17 at epoch 3" in tab.js(
        "document.getElementById('point-panel').textContent"
    )

    # The diverging learning rate: its run, its verdict, its note.
    tab.js("document.querySelector('input[name=rate][value=\"4\"]').click()")
    note = tab.js("document.getElementById('run-note').textContent")
    assert note.startswith("Learning rate 50:") and "climbs" in note
    assert tab.js("document.getElementById('epoch').max") == "150"

    # Play advances the epochs.
    tab.js(SET_EPOCH.format(0))
    tab.js("document.getElementById('play').click()")
    deadline = time.monotonic() + 5.0
    while tab.js("Number(document.getElementById('epoch').value)") == 0:
        assert time.monotonic() < deadline, "play did not advance the epoch"
        time.sleep(0.05)
    tab.js("document.getElementById('play').click()")

    # Each race path ends at the optimum; at frame 0 each is the start alone.
    race = result.playground.race
    last = tab.js(SET_FRAME.format(10_000))
    tab.js(SET_FRAME.format(last))
    a0, a1, b0, b1 = tab.js(
        "JSON.parse(document.getElementById('playground-data').textContent).race.window"
    )
    sk = _sklearn_optimum(X, y).coef_[0]
    optimum = np.array(
        [48 + (sk[0] - a0) / (a1 - a0) * 440, 12 + (b1 - sk[1]) / (b1 - b0) * 440]
    )
    marker = tab.js(
        "['x', 'y'].map(k => Number(document.getElementById('optimum').dataset[k]))"
    )
    np.testing.assert_allclose(marker, optimum, atol=0.01)
    ends = tab.js(PATH_ENDS)
    assert sorted(ends) == ["path-gd", "path-momentum", "path-newton"]
    for points in ends.values():
        np.testing.assert_allclose(points[-1], optimum, atol=0.1)
    board = tab.js("document.getElementById('scoreboard').textContent")
    assert board.count("arrived") == 3
    for path in race.paths:
        assert str(path.steps) in board
    tab.js(SET_FRAME.format(0))
    for points in tab.js(PATH_ENDS).values():
        assert len(points) == 1

    tab.js(SET_FRAME.format(last))
    tab.js(SET_EPOCH.format(3))
    screenshot = tab.screenshot()
    screenshot.save(tmp_path / "binary.png")
    assert screenshot.width == 1280 and screenshot.height > 1800
    assert len(screenshot.getcolors(maxcolors=1 << 20)) > 1000
    assert tab.problems() == []
    tab.close()


@pytest.mark.slow
def test_softmax_page_in_chromium(multiclass, chromium, tmp_path):
    result, _ = multiclass
    X, y = _training_rows(result)
    tab = Tab(chromium, result.files[-1])
    assert tab.problems() == []
    assert {url.split(":", 1)[0] for url in tab.requests()} <= {"file", "data"}
    before = tab.js(SET_EPOCH.format(0)) and tab.js(
        "document.getElementById('boundary').getAttribute('d')"
    )
    tab.js(SET_EPOCH.format(5))
    after = tab.js("document.getElementById('boundary').getAttribute('d')")
    assert before != after and len(_segments(after)) == 3  # three regions meet

    shown = tab.js(CLICK_POINT.format(40))
    snapshot = result.snapshots[5]
    z = X[40] @ snapshot.coef.T + snapshot.intercept
    p = softmax(z)
    for k in range(3):
        assert shown[f"z{k}"] == pytest.approx(z[k], rel=1e-12, abs=1e-14)
        assert shown[f"p{k}"] == pytest.approx(p[k], rel=1e-10)
        share = (p[k] - (y[40] == k)) * np.r_[X[40], 1.0] / len(y)
        for key, value in zip(("1", "2", "b"), share, strict=True):
            assert shown[f"g{k}{key}"] == pytest.approx(value, rel=1e-9, abs=1e-15)
    assert shown["loss"] == pytest.approx(-np.log(p[y[40]]), rel=1e-10)
    note = tab.js("document.getElementById('race-note').textContent")
    assert "two classes" in note
    assert (
        tab.js("getComputedStyle(document.getElementById('race-body')).display")
        == "none"
    )
    tab.screenshot().save(tmp_path / "softmax.png")
    assert tab.problems() == []
    tab.close()
