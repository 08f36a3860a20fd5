"""The HTML report: scikit-learn's numbers, one self-contained file, a real render.

The browser tests drive the system's Chromium over the DevTools protocol on a
pipe (``--remote-debugging-pipe``), with the standard library only: no
Selenium, no Playwright, no network port. They are skipped, with the reason,
when no Chromium is installed (``scripts/ensure-chromium`` installs it).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import io
import json
import os
import re
import select
import shutil
import signal
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn import metrics as skm
from sklearn.datasets import load_iris

from logreg import LogisticRegression, plot
from logreg.cli.report import build_report, evaluation_metrics, write_report
from logreg.datasets import make_blobs_dataset

SECTIONS = ("summary", "metrics", "diagnostics", "coefficients")
CURVE_FIGURES = ("fig-roc", "fig-pr", "fig-calibration", "fig-confusion", "fig-loss")
IMAGE = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


# ---------------------------------------------------------------- the cases
@dataclass(frozen=True)
class Case:
    """A fitted model, its data and its report."""

    model: LogisticRegression
    X: Any
    y: np.ndarray
    html: str


def _statsmodels_table(X: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """A ``Summary.to_frame()``-shaped table for an unpenalised binary fit."""
    import statsmodels.api as sm

    fit = sm.Logit(y.astype(float), sm.add_constant(X)).fit(disp=0)
    interval = fit.conf_int()
    return pd.DataFrame(
        {
            "coef": fit.params,
            "std_err": fit.bse,
            "z": fit.tvalues,
            "p_value": fit.pvalues,
            "ci_low": interval[:, 0],
            "ci_high": interval[:, 1],
        },
        index=["intercept", "length", "links"],
    )


@pytest.fixture(scope="module")
def binary() -> Case:
    """Two overlapping blobs, two features, string labels, intervals given."""
    X, labels = make_blobs_dataset(300, 2, 2, 3.0, random_state=0)
    y = np.array(["ham", "spam"])[labels]
    model = LogisticRegression(C=np.inf).fit(X, y)
    html = build_report(
        model,
        X,
        y,
        feature_names=["length", "links"],
        title="Spam filter",
        data_name="mail.csv",
        coefficient_table=_statsmodels_table(X, labels),
    )
    return Case(model, X, y, html)


@pytest.fixture(scope="module")
def multiclass() -> Case:
    """Iris: three classes, four named features (a DataFrame), no intervals."""
    iris = load_iris(as_frame=True)
    y = iris.target_names[iris.target]
    model = LogisticRegression(C=1.0).fit(iris.data, y)
    return Case(model, iris.data, y, build_report(model, iris.data, y))


# ------------------------------------------------------------------ metrics
@pytest.mark.parametrize("name", ["binary", "multiclass"])
def test_metrics_are_scikit_learns(name, request):
    case = request.getfixturevalue(name)
    model, X, y = case.model, case.X, case.y
    result = evaluation_metrics(model, X, y)
    predicted, proba = model.predict(X), model.predict_proba(X)
    classes = model.classes_

    assert result["n_samples"] == len(y)
    assert result["classes"] == [str(c) for c in classes]
    assert result["accuracy"] == pytest.approx(skm.accuracy_score(y, predicted))
    assert result["log_loss"] == pytest.approx(skm.log_loss(y, proba))
    if len(classes) == 2:
        auc = skm.roc_auc_score(y, proba[:, 1])
    else:
        auc = skm.roc_auc_score(y, proba, multi_class="ovr", average="macro")
    assert result["roc_auc"] == pytest.approx(auc)
    precision, recall, f1, support = skm.precision_recall_fscore_support(y, predicted)
    for k, label in enumerate(classes):
        row = result["per_class"][str(label)]
        assert row["precision"] == pytest.approx(precision[k])
        assert row["recall"] == pytest.approx(recall[k])
        assert row["f1"] == pytest.approx(f1[k])
        assert row["support"] == support[k]
    assert result["macro_avg"]["f1"] == pytest.approx(
        skm.f1_score(y, predicted, average="macro")
    )
    assert result["weighted_avg"]["recall"] == pytest.approx(
        skm.recall_score(y, predicted, average="weighted")
    )
    assert result["confusion_matrix"] == skm.confusion_matrix(y, predicted).tolist()
    assert json.loads(json.dumps(result, allow_nan=False)) == result


def test_metrics_on_data_missing_a_class(multiclass):
    """AUC is undefined then (None); the absent class has support 0."""
    some = multiclass.y != "setosa"
    result = evaluation_metrics(
        multiclass.model, multiclass.X[some], multiclass.y[some]
    )
    assert result["roc_auc"] is None
    assert result["per_class"]["setosa"]["support"] == 0
    assert np.array(result["confusion_matrix"]).shape == (3, 3)


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (np.array(["ham", "eggs"] * 150), r"not trained on: \['eggs'\]"),
        (np.zeros(300, dtype=int), "not trained on"),
        (np.array(["ham"] * 299), "300 rows but y has 299"),
        (np.array([["ham"]] * 300), "one-dimensional"),
    ],
)
def test_bad_labels_are_named(binary, labels, message):
    with pytest.raises(ValueError, match=message):
        evaluation_metrics(binary.model, binary.X, labels)


# -------------------------------------------------------------- the page
def _images(html: str) -> list[Image.Image]:
    images = []
    for data in IMAGE.findall(html):
        image = Image.open(io.BytesIO(base64.b64decode(data, validate=True)))
        assert image.format == "PNG"
        image.load()  # decodes every pixel: a truncated PNG fails here
        images.append(image)
    return images


@pytest.mark.parametrize("name", ["binary", "multiclass"])
def test_page_is_self_contained_and_complete(name, request):
    html = request.getfixturevalue(name).html
    assert html.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in html
    for section in SECTIONS:
        assert f'<section id="{section}"' in html
    for figure in (*CURVE_FIGURES, "fig-coefficients"):
        assert f'<figure id="{figure}">' in html
    assert ('<figure id="fig-boundary">' in html) == (name == "binary")
    assert html.count("<img ") == len(_images(html)) >= 6
    assert not re.search(r"https?://|<script|<link rel=\"stylesheet|@import", html)
    assert re.search(r"<link[^>]*>", html).group() == '<link rel="icon" href="data:,">'


def test_binary_page_shows_the_intervals_and_the_facts(binary):
    html = binary.html
    assert "<title>Spam filter</title>" in html
    assert "mail.csv" in html and "300 samples" in html and "no penalty" in html
    assert "95% CI" in html and "show 95% confidence intervals" in html
    low, high = _statsmodels_table(binary.X, binary.y == "spam").loc[
        "links", ["ci_low", "ci_high"]
    ]
    assert f"[{low:.4f}, {high:.4f}]" in html
    assert "No confidence intervals" not in html


def test_multiclass_page_says_that_intervals_are_missing(multiclass):
    html = multiclass.html
    assert "No confidence intervals" in html
    assert "95% CI" not in html
    # Point estimates only: one column per class.
    header = '<th class="text">term</th><th>setosa</th><th>versicolor</th>'
    assert header in html
    for name in ("setosa", "versicolor", "virginica", "petal width (cm)"):
        assert name in html


def test_multinomial_summary_table_by_class(multiclass):
    """A ``(class, term)`` index gives a class column and one group per class."""
    model = multiclass.model
    terms = ["intercept", *model.feature_names_in_]
    relative = np.hstack([model.intercept_[:, None], model.coef_])[1:] - np.hstack(
        [model.intercept_[:1, None], model.coef_[:1]]
    )
    index = pd.MultiIndex.from_product([model.classes_[1:], terms])
    coef = relative.ravel()
    table = pd.DataFrame(
        {"coef": coef, "ci_low": coef - 0.5, "ci_high": coef + 0.5}, index=index
    )
    html = build_report(model, multiclass.X, multiclass.y, coefficient_table=table)
    assert '<th class="text">term</th><th>coef</th><th>95% CI</th>' in html
    for name in ("versicolor", "virginica"):  # a heading row per class
        assert f'<tr class="group"><th colspan="3">{name}</th></tr>' in html
    assert "compared with the first class, setosa" in html
    assert "The fit is penalised (C = 1)" in html


def test_other_classifiers_and_a_multiclass_boundary():
    """scikit-learn's model has no loss curve: the page leaves that figure out."""
    from sklearn.linear_model import LogisticRegression as ScikitLogisticRegression

    X, y = make_blobs_dataset(150, 2, 3, 2.0, random_state=0)
    model = ScikitLogisticRegression().fit(X, y)
    html = build_report(model, X, y)
    assert '<figure id="fig-boundary">' in html
    assert '<figure id="fig-loss">' not in html
    assert "Each region takes the colour of its most probable class" in html


def test_user_strings_are_escaped(binary):
    hostile = '<script>alert("x")</script> & $a$'
    y = np.where(binary.y == "spam", hostile, "ham")
    model = LogisticRegression(C=1.0).fit(binary.X, y)
    html = build_report(
        model,
        binary.X,
        y,
        feature_names=[hostile, "b"],
        title=hostile,
        data_name=hostile,
    )
    assert "<script" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; $a$" in html


def test_coefficient_table_needs_its_columns(binary):
    table = pd.DataFrame({"coef": [0.0, 1.0, 2.0]}, index=["intercept", "a", "b"])
    with pytest.raises(ValueError, match=r"lacks the columns \['ci_high', 'ci_low'\]"):
        build_report(binary.model, binary.X, binary.y, coefficient_table=table)


def test_feature_names_must_match(binary):
    with pytest.raises(ValueError, match="3 names but the model has 2 features"):
        build_report(binary.model, binary.X, binary.y, feature_names=["a", "b", "c"])


# ------------------------------------------------------------ write_report
def test_write_report_replaces_atomically(tmp_path):
    path = tmp_path / "report.html"
    assert write_report("<p>old</p>", path) == path
    write_report("<p>ünïcode</p>", str(path))
    assert path.read_text(encoding="utf-8") == "<p>ünïcode</p>"
    assert stat.S_IMODE(path.stat().st_mode) & 0o044  # readable by others
    with pytest.raises(TypeError):
        write_report(b"not text", path)  # fails while writing the temporary file
    assert path.read_text(encoding="utf-8") == "<p>ünïcode</p>"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


# ------------------------------------------------------- new plot functions
def test_evaluation_plots_validate_their_input():
    with pytest.raises(ValueError, match="shape"):
        plot.plot_roc_curves([0, 1], [0.2, 0.7])
    with pytest.raises(ValueError, match=r"integer labels 0\.\.1"):
        plot.plot_calibration([0, 2], [[0.8, 0.2], [0.3, 0.7]])
    with pytest.raises(ValueError, match="must contain its coef"):
        plot.plot_coefficients([1.0, 2.0], ["a", "b"], [0.0, 2.5], [1.5, 3.0])
    with pytest.raises(ValueError, match="square"):
        plot.plot_confusion_matrix([[1, 2]])


def test_decision_boundary_legend_uses_class_names(binary):
    labels = (binary.y == "spam").astype(int)
    ax = plot.plot_decision_boundary(
        binary.model.coef_,
        binary.model.intercept_,
        binary.X,
        labels,
        legend=True,
        colorbar=True,
        class_names=["ham", "$pam"],
    )
    texts = [t.get_text() for t in ax.figure.legends[0].get_texts()]
    assert texts[:2] == ["ham", r"\$pam"]  # shown as "$pam", not as mathtext
    ax.figure.canvas.draw()


# ----------------------------------------------------- a real browser
CHROMIUM_NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
)


def find_chromium() -> tuple[str | None, str]:
    """The Chromium executable, or None and why not."""
    for name in (os.environ.get("LOGREG_CHROMIUM"), *CHROMIUM_NAMES):
        path = name and shutil.which(name)
        if not path:
            continue
        try:
            probe = subprocess.run(
                [path, "--version"], capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return None, f"{path} does not run: {error}"
        if probe.returncode != 0:  # e.g. Ubuntu's stub that asks for the snap
            return None, f"{path} --version failed: {probe.stderr.strip()[:200]}"
        return path, ""
    return None, (
        f"no headless Chromium found (looked for {', '.join(CHROMIUM_NAMES)} and "
        "$LOGREG_CHROMIUM); install it with scripts/ensure-chromium"
    )


class DevTools:
    """A headless Chromium driven over the DevTools protocol on a pipe.

    With ``--remote-debugging-pipe`` Chromium reads commands from its file
    descriptor 3 and writes replies and events to 4, as JSON texts ending in
    a NUL byte.
    """

    def __init__(self, executable: str, profile: Path, timeout: float = 60.0):
        self.timeout = timeout
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        commands, self._to_browser = os.pipe()
        self._from_browser, replies = os.pipe()
        # Copies numbered 10 and up, so that dup2 onto 3 and 4 below cannot
        # overwrite one pipe end with the other; like every descriptor that
        # os.pipe makes, they close on exec: only 3 and 4 reach Chromium.
        ends = [
            fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (commands, replies)
        ]
        devnull = os.open(os.devnull, os.O_RDWR)
        try:
            # posix_spawn, not subprocess's preexec_fn: no Python code runs in
            # the child, which newer Pythons warn about when threads exist.
            self.pid = os.posix_spawn(
                executable,
                [
                    executable,
                    "--headless=new",
                    "--no-sandbox",  # containers and root have no usable sandbox
                    "--disable-gpu",
                    "--no-first-run",
                    "--hide-scrollbars",
                    "--remote-debugging-pipe",
                    f"--user-data-dir={profile}",
                    "about:blank",
                ],
                os.environ,
                file_actions=[
                    *((os.POSIX_SPAWN_DUP2, devnull, fd) for fd in (0, 1, 2)),
                    (os.POSIX_SPAWN_DUP2, ends[0], 3),
                    (os.POSIX_SPAWN_DUP2, ends[1], 4),
                ],
            )
        finally:
            for fd in (commands, replies, *ends, devnull):
                os.close(fd)

    def _receive(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._from_browser], [], [], self.timeout)
            chunk = os.read(self._from_browser, 1 << 20) if ready else b""
            if not chunk:
                raise RuntimeError("Chromium stopped answering")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, session: str | None = None, **params: Any) -> dict:
        """Send a command and return its result, keeping events that arrive."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") != self._next_id:
                self.events.append(reply)
            elif "error" in reply:
                raise RuntimeError(f"{method}: {reply['error']}")
            else:
                return reply["result"]

    def wait_for(self, method: str, session: str) -> None:
        """Read events until ``method`` arrives for ``session``."""
        while not any(
            event.get("method") == method and event.get("sessionId") == session
            for event in self.events
        ):
            self.events.append(self._receive())

    def close(self) -> None:
        """Ask Chromium to quit; kill it if it has not within ten seconds."""
        with contextlib.suppress(RuntimeError, OSError):
            self.call("Browser.close")
        deadline = time.monotonic() + 10.0
        while os.waitpid(self.pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
                break
            time.sleep(0.05)
        os.close(self._to_browser)
        os.close(self._from_browser)


@dataclass
class Render:
    """What the browser made of a page."""

    errors: list[str]  # console errors, uncaught exceptions, failed loads
    requests: list[str]  # every URL the page asked for
    images: list[list[Any]]  # [complete, naturalWidth] per <img>
    overflow: int  # pixels the page is wider than the window
    screenshot: bytes  # PNG of the whole page


PAGE_STATE = """JSON.stringify({
  images: Array.from(document.images).map(i => [i.complete, i.naturalWidth]),
  overflow: document.documentElement.scrollWidth - window.innerWidth,
  height: document.documentElement.scrollHeight,
})"""


def _problems(events: list[dict[str, Any]], session: str) -> list[str]:
    """Console errors, uncaught exceptions and failed loads of one tab."""
    found = []
    for event in (e for e in events if e.get("sessionId") == session):
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.exceptionThrown":
            found.append(params["exceptionDetails"].get("text", "exception"))
        elif method == "Runtime.consoleAPICalled" and params["type"] in (
            "error",
            "assert",
        ):
            found.append(" ".join(str(arg.get("value")) for arg in params["args"]))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            found.append(params["entry"]["text"])
    return found


def render(browser: DevTools, path: Path, width: int = 1280) -> Render:
    """Load ``path`` in a new tab ``width`` pixels wide; screenshot the page."""
    target = browser.call("Target.createTarget", url="about:blank")["targetId"]
    session = browser.call("Target.attachToTarget", targetId=target, flatten=True)[
        "sessionId"
    ]
    for domain in ("Page", "Runtime", "Log", "Network"):
        browser.call(f"{domain}.enable", session)
    size = {"width": width, "deviceScaleFactor": 1, "mobile": False}
    browser.call("Emulation.setDeviceMetricsOverride", session, height=900, **size)
    browser.call("Page.navigate", session, url=path.resolve().as_uri())
    browser.wait_for("Page.loadEventFired", session)
    state = json.loads(
        browser.call("Runtime.evaluate", session, expression=PAGE_STATE)["result"][
            "value"
        ]
    )
    browser.call(
        "Emulation.setDeviceMetricsOverride", session, height=state["height"], **size
    )
    shot = browser.call("Page.captureScreenshot", session, format="png")["data"]
    browser.call("Target.closeTarget", targetId=target)
    requests = [
        event["params"]["request"]["url"]
        for event in browser.events
        if event.get("sessionId") == session
        and event["method"] == "Network.requestWillBeSent"
    ]
    return Render(
        _problems(browser.events, session),
        requests,
        state["images"],
        state["overflow"],
        base64.b64decode(shot),
    )


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    executable, reason = find_chromium()
    if executable is None:
        pytest.skip(reason)
    devtools = DevTools(executable, tmp_path_factory.mktemp("chromium-profile"))
    yield devtools
    devtools.close()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["binary", "multiclass"])
def test_report_renders_in_chromium(name, request, browser, tmp_path):
    page = write_report(request.getfixturevalue(name).html, tmp_path / "report.html")
    result = render(browser, page)

    assert result.errors == []
    # The page itself and its embedded images; nothing from a network.
    assert {url.split(":", 1)[0] for url in result.requests} <= {"file", "data"}
    assert len(result.images) >= 6
    assert all(complete and width > 0 for complete, width in result.images)
    assert result.overflow <= 0  # nothing sticks out sideways

    screenshot = Image.open(io.BytesIO(result.screenshot)).convert("RGB")
    assert screenshot.width == 1280 and screenshot.height > 2000
    assert len(screenshot.getcolors(maxcolors=1 << 20)) > 1000  # text, plots
    pixels = np.asarray(screenshot.convert("L"))
    assert (pixels < 128).mean() > 0.01  # a real share of dark ink
