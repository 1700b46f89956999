"""Rankings from blind pairwise votes: Bradley–Terry strengths with bootstrap intervals, and
whether they agree with an automatic metric.

Bradley–Terry (1952): P(i beats j) = 1 / (1 + exp(θj − θi)). The strengths θ are fitted by
`choix` (Maystre & Grossglauser's iterative Luce spectral ranking) with its regularisation
`ALPHA` = 1, which acts as a prior pulling every pair towards even odds: without it one vote
A > B already says 100:1, and a model that never lost would be infinitely strong. A tie, or "both
bad", counts as half a win each way, as Chatbot Arena counts them: each decisive vote enters
the fit twice, each tie once in each direction. Scores are shown on the Elo scale Chatbot
Arena uses (1000 + 400·θ/ln 10, θ centred on the mean), so 400 points is 10:1 odds.

The intervals are percentile bootstraps: the votes resampled with replacement `rounds`
times and refitted. The agreement with a metric is Kendall's τ between the human scores and
the metric oriented so that higher is better (scipy).
"""

from __future__ import annotations

import math

import numpy as np

ALPHA = 1.0  # choix's regularisation: a prior towards even odds (see above)
ELO_BASE, ELO_SCALE = 1000.0, 400.0 / math.log(10)
BOOTSTRAP_ROUNDS = 200
MIN_VOTES = 10  # below this, no sentence claims agreement either way


def _comparisons(battles, index) -> list[tuple[int, int]]:
    data = []
    for a, b, choice in battles:
        i, j = index[a], index[b]
        if choice == "a":
            data += [(i, j), (i, j)]
        elif choice == "b":
            data += [(j, i), (j, i)]
        else:  # tie, both_bad: half a win each way
            data += [(i, j), (j, i)]
    return data


def _fit(n: int, data: list[tuple[int, int]], alpha: float) -> np.ndarray:
    import choix

    theta = choix.ilsr_pairwise(n, data, alpha=alpha) if data else np.zeros(n)
    return theta - theta.mean()


def bradley_terry(battles: list[tuple[str, str, str]], *, rounds: int = BOOTSTRAP_ROUNDS, seed: int = 0,
                  alpha: float = ALPHA) -> list[dict]:
    """One row per model that took part in a vote, best first: its Elo-scale score, the 95 %
    bootstrap interval, and its votes, wins, losses and ties. The interval is None for a
    model that never won or never lost (counting a tie as half of each): every resample
    then agrees, and a zero-width interval would claim a certainty no vote gave."""
    models = sorted({m for a, b, _ in battles for m in (a, b)})
    if not models:
        return []
    index = {m: i for i, m in enumerate(models)}
    theta = _fit(len(models), _comparisons(battles, index), alpha)
    rng = np.random.default_rng(seed)
    boots = np.array([_fit(len(models), _comparisons([battles[k] for k in rng.integers(0, len(battles), len(battles))],
                                                     index), alpha) for _ in range(rounds)]) if rounds else theta[None]
    lo, hi = np.percentile(boots, [2.5, 97.5], axis=0)
    rows = []
    for m, i in index.items():
        won = sum(1 for a, b, c in battles if (a == m and c == "a") or (b == m and c == "b"))
        lost = sum(1 for a, b, c in battles if (a == m and c == "b") or (b == m and c == "a"))
        played = sum(1 for a, b, _ in battles if m in (a, b))
        ties = played - won - lost
        defined = won + ties / 2 > 0 and lost + ties / 2 > 0
        rows.append({"model": m, "score": _elo(theta[i]), "ci_low": _elo(lo[i]) if defined else None,
                     "ci_high": _elo(hi[i]) if defined else None, "votes": played, "wins": won, "losses": lost,
                     "ties": ties})
    rows.sort(key=lambda r: -r["score"])
    for rank, r in enumerate(rows, 1):
        r["human_rank"] = rank
    return rows


def _elo(theta: float) -> float:
    return round(ELO_BASE + ELO_SCALE * float(theta), 1)


def agreement(rows: list[dict], metric: dict[str, float], *, higher_is_better: bool, metric_name: str) -> dict:
    """Kendall's τ between the human scores (rows from bradley_terry) and an automatic metric
    ({model: value}), over the models that have both, with a plain sentence saying whether
    they agree. Adds `metric` and `metric_rank` to each row that has one."""
    from scipy.stats import kendalltau

    for r in rows:
        r["metric"] = metric.get(r["model"])
    both = [r for r in rows if r["metric"] is not None and not math.isnan(r["metric"])]
    ordered = sorted(both, key=lambda r: -r["metric"] if higher_is_better else r["metric"])
    for rank, r in enumerate(ordered, 1):
        r["metric_rank"] = rank
    votes = sum(r["votes"] for r in rows) // 2  # each vote counts for both of its models
    better = "higher" if higher_is_better else "lower"
    out = {"tau": None, "p_value": None, "models": len(both), "votes": votes, "metric": metric_name,
           "higher_is_better": higher_is_better}
    if len(both) < 2:
        out["sentence"] = (f"Not enough to compare yet: {len(both)} model(s) have both votes and a {metric_name}; "
                           "the agreement needs two or more.")
        return out
    oriented = [r["metric"] if higher_is_better else -r["metric"] for r in both]
    tau, p = kendalltau([r["score"] for r in both], oriented)
    tau = 0.0 if math.isnan(tau) else float(tau)
    out.update(tau=round(tau, 3), p_value=None if math.isnan(p) else round(float(p), 3))
    human = " > ".join(r["model"] for r in rows if r in both)
    auto = " > ".join(r["model"] for r in ordered)
    said = f"(Kendall's τ = {tau:+.2f} over {len(both)} models and {votes} votes; humans: {human}; " \
           f"{metric_name}, {better} is better: {auto})"
    if votes < MIN_VOTES:
        out["sentence"] = f"Too few votes ({votes}; at least {MIN_VOTES}) to say whether humans and {metric_name} agree {said}."
    elif tau >= 0.5:
        out["sentence"] = f"Humans and {metric_name} agree on the order {said}."
    elif tau <= -0.5:
        out["sentence"] = f"Humans and {metric_name} disagree: they order the models the other way round {said}."
    else:
        out["sentence"] = f"Humans and {metric_name} neither clearly agree nor disagree {said}."
    if len(both) < 4 and votes >= MIN_VOTES:
        out["sentence"] += f" With {len(both)} models, τ can only take a few values: read it as a direction, not a test."
    return out
