"""Bradley–Terry from votes, checked against votes simulated from known strengths, against an
independent fit (scikit-learn's logistic regression, Chatbot Arena's method), and on a
negative control (coin-flip votes)."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from aigc_demo.arena.ranking import ELO_SCALE, MIN_VOTES, agreement, bradley_terry

TRUE = {"best": 1.5, "good": 0.5, "fair": -0.5, "poor": -1.5}


def simulate(n: int, strengths: dict, seed: int = 0, tie_rate: float = 0.1) -> list[tuple[str, str, str]]:
    rng, names, out = random.Random(seed), list(strengths), []
    for _ in range(n):
        a, b = rng.sample(names, 2)
        if rng.random() < tie_rate:
            out.append((a, b, rng.choice(["tie", "both_bad"])))
        else:
            p_a = 1 / (1 + math.exp(strengths[b] - strengths[a]))
            out.append((a, b, "a" if rng.random() < p_a else "b"))
    return out


def test_recovers_the_order_of_known_strengths_with_intervals():
    rows = bradley_terry(simulate(600, TRUE), rounds=100)
    assert [r["model"] for r in rows] == ["best", "good", "fair", "poor"]
    assert [r["human_rank"] for r in rows] == [1, 2, 3, 4]
    for r in rows:
        assert r["ci_low"] <= r["score"] <= r["ci_high"]
        assert r["wins"] + r["losses"] + r["ties"] == r["votes"]
    assert sum(r["votes"] for r in rows) == 2 * 600
    # the gap best-poor is 3 in θ: about 3 x 173.7 Elo points (ties pull it in a little)
    gap = rows[0]["score"] - rows[-1]["score"]
    assert 0.7 * 3 * ELO_SCALE < gap < 1.2 * 3 * ELO_SCALE
    # more votes, tighter intervals
    few = {r["model"]: r["ci_high"] - r["ci_low"] for r in bradley_terry(simulate(100, TRUE), rounds=100)}
    many = {r["model"]: r["ci_high"] - r["ci_low"] for r in rows}
    assert all(many[m] < few[m] for m in TRUE)


def test_agrees_with_an_independent_fit():
    """The same votes fitted by scikit-learn's logistic regression on ±1 indicator rows, as
    Chatbot Arena fits Bradley–Terry (a tie is one win each way, each decisive vote twice),
    both without a prior (the app's prior is checked below)."""
    from sklearn.linear_model import LogisticRegression

    battles = simulate(400, TRUE, seed=3)
    names = sorted(TRUE)
    X, y = [], []
    for a, b, c in battles:
        row = np.zeros(len(names))
        row[names.index(a)], row[names.index(b)] = 1, -1
        outcomes = {"a": [1, 1], "b": [0, 0]}.get(c, [1, 0])
        for o in outcomes:
            X.append(row), y.append(o)
    theta = LogisticRegression(fit_intercept=False, C=1e6, max_iter=1000).fit(np.array(X), np.array(y)).coef_[0]
    theirs = dict(zip(names, theta - theta.mean()))
    ours = {r["model"]: (r["score"] - 1000) / ELO_SCALE for r in bradley_terry(battles, rounds=0, alpha=1e-3)}
    for m in names:
        assert ours[m] == pytest.approx(theirs[m], abs=0.03)


def test_coin_flip_votes_rank_nobody_clearly_above_anybody():
    """Negative control: votes that ignore the models give overlapping intervals for all."""
    rows = bradley_terry(simulate(400, {m: 0.0 for m in TRUE}, seed=5), rounds=200)
    assert max(r["ci_low"] for r in rows) < min(r["ci_high"] for r in rows)
    spread = bradley_terry(simulate(400, TRUE, seed=5), rounds=200)
    assert spread[0]["ci_low"] > spread[-1]["ci_high"]  # the real signal separates


def test_ties_count_half_a_win_each_way():
    rows = {r["model"]: r for r in bradley_terry([("x", "y", "tie")] * 10 + [("x", "y", "both_bad")] * 10, rounds=0)}
    assert rows["x"]["score"] == pytest.approx(rows["y"]["score"])
    assert rows["x"]["ties"] == 20 and rows["x"]["wins"] == 0


def test_a_model_that_never_lost_has_a_finite_score_and_no_interval():
    rows = bradley_terry([("x", "y", "a")] * 30, rounds=50)
    assert all(math.isfinite(r["score"]) for r in rows) and rows[0]["model"] == "x"
    assert all(r["ci_low"] is None and r["ci_high"] is None for r in rows)  # every resample agrees: no interval
    assert bradley_terry([]) == []


def test_the_prior_keeps_one_vote_from_claiming_long_odds():
    one = {r["model"]: r["score"] for r in bradley_terry([("x", "y", "a")], rounds=0)}
    assert 0 < one["x"] - one["y"] < ELO_SCALE * math.log(3)  # less than 3:1 from a single vote
    many = {r["model"]: r["score"] for r in bradley_terry([("x", "y", "a")] * 20 + [("x", "y", "b")] * 5, rounds=0)}
    assert many["x"] - many["y"] > one["x"] - one["y"]  # evidence moves it


def test_the_agreement_sentence_says_agree_disagree_or_not_enough():
    rows = bradley_terry(simulate(300, TRUE), rounds=0)
    fid = {"best": 10.0, "good": 20.0, "fair": 30.0, "poor": 40.0}  # lower is better: same order as humans
    same = agreement([dict(r) for r in rows], fid, higher_is_better=False, metric_name="FID")
    assert same["tau"] == 1.0 and same["sentence"].startswith("Humans and FID agree")
    other = agreement([dict(r) for r in rows], fid, higher_is_better=True, metric_name="accuracy")
    assert other["tau"] == -1.0 and "disagree" in other["sentence"]
    one = agreement([dict(r) for r in rows], {"best": 1.0}, higher_is_better=True, metric_name="m")
    assert one["tau"] is None and one["sentence"].startswith("Not enough to compare yet")
    few = agreement([dict(r) for r in bradley_terry(simulate(MIN_VOTES - 1, TRUE), rounds=0)], fid,
                    higher_is_better=False, metric_name="FID")
    assert few["sentence"].startswith("Too few votes")
    given = [dict(r) for r in rows]
    marked = agreement(given, fid, higher_is_better=False, metric_name="FID")
    assert {r["model"]: (r["metric"], r["metric_rank"]) for r in given} == {
        "best": (10.0, 1), "good": (20.0, 2), "fair": (30.0, 3), "poor": (40.0, 4)}
    assert marked["models"] == 4 and marked["votes"] == 300
