"""Benchmark of the routing model: accuracy, training cost and suggestion latency.

Run from the repository root::

    .venv/bin/python bench/bench_routing.py                  # 2,000 and 100,000 complaints
    .venv/bin/python bench/bench_routing.py --sizes 2000 --suggestions 200
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/bench_routing.py --sizes 2000

For each size a synthetic history (bench/routing_corpus.py: Indonesian
complaint texts of eight units, SMS spelling, a word of another unit's matter
in 20 %, 5 % mislabelled) is learnt twice on the same held-out split, each in
a process of its own so its peak memory is its own:

* **routing**: the service's model (complaints/routing/model.py: TF-IDF words
  1–2 and char_wb 3–5, logistic regression) — held-out top-1, top-3,
  macro-F1, the automatic threshold with its coverage and precision, then the
  refit on everything: training seconds and peak memory (max RSS);
* **baseline**: plain TF-IDF words + LinearSVC, the published comparison.

Then the latency of one suggestion, on the smallest size in a real database
(a fresh SQLite file, or a throw-away PostgreSQL schema with DATABASE_URL):
the history is written as LAPOR! history, trained with the service's own
training (``flask routing train``'s code), and ``--suggestions`` texts are
asked for both as the service function (``suggest``: the active-model query,
the model, the units' names) and over HTTP (``POST /api/v1/routing/suggest``
with a bearer token). The goal: p95 under 20 ms per suggestion.

The synthetic texts are easier than a real regency's, so the accuracies are
no comparison with the published LAPOR! figures (TF-IDF+SVM ~0.72 top-1 over
25 units); the comparison that holds is routing against baseline on the same
split, and the costs. Exits 0 whatever the numbers; the table is for people.

Figures, 6 December 2026, SQLite, on the shared 2-CPU machine under a load
average of 8–20 (other work running), so times are well above a quiet
machine's. Five in a hundred labels are wrong on purpose, which caps top-1
near 95 %: both models reach it, and the routing model adds calibrated
scores, hence an automatic threshold (the baseline's SVM has none)::

    size     model     top-1  top-3   mF1   auto≥  cover  prec  train s  RSS MB
    2,000    routing    95.2   97.0  94.6    33.5  100.0  95.2      2.7     194
    2,000    baseline   95.7   97.0  95.1       —      —     —      0.1     169
    100,000  routing    94.9   96.4  94.5    81.7   96.9  95.0    257.8    1052
    100,000  baseline   94.9   96.5  94.6       —      —     —     46.9     311

    suggest() 500 texts:          p50 4.5 ms, p95 5.9 ms, p99 10.3 ms
    POST /api/v1/routing/suggest: p50 6.1 ms, p95 6.9 ms, p99 7.7 ms

The routing model's training time is three fits (held-out units, held-out
categories, then everything) of word and character n-grams; at 100,000
complaints the scheduler's job or the admin page's background thread does it.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import seed as bench_seed  # noqa: E402
from routing_corpus import Example, history, write_history  # noqa: E402

UNITS = 8
SUGGEST_GOAL_MS = 20.0


def _texts(examples: list[Example]) -> list[str]:
    from complaints.routing.model import document

    return [document(e.title, e.description, e.address) for e in examples]


def _corpus(size: int) -> list[Example]:
    return history(size, units=UNITS, seed=2026, mislabelled=0.05, mix=0.2)


def _routing(size: int) -> dict[str, Any]:
    """The service's model: held-out figures, then the refit (timed as one training)."""
    from complaints.routing.model import fit

    examples = _corpus(size)
    started = time.perf_counter()
    fitted = fit(_texts(examples), [e.unit for e in examples], [e.category for e in examples])
    seconds = time.perf_counter() - started
    figures = fitted.unit.as_json()
    return {
        "top1": figures["accuracy"],
        "top3": figures["top3"],
        "macro_f1": figures["macro_f1"],
        "auto_threshold": figures["auto_threshold"],
        "auto_coverage": figures["auto_coverage"],
        "auto_precision": figures["auto_precision"],
        "seconds": seconds,
    }


def _baseline(size: int) -> dict[str, Any]:
    """TF-IDF words + LinearSVC on the same split: fit on four fifths, score the fifth."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import f1_score
    from sklearn.svm import LinearSVC

    from complaints.routing.model import held_out_split

    examples = _corpus(size)
    texts, labels = _texts(examples), [e.unit for e in examples]
    train, test = held_out_split(labels)
    started = time.perf_counter()
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    classifier = LinearSVC(random_state=0)
    classifier.fit(vectorizer.fit_transform([texts[i] for i in train]), [labels[i] for i in train])
    seconds = time.perf_counter() - started
    scores = classifier.decision_function(vectorizer.transform([texts[i] for i in test]))
    order = np.argsort(-scores, axis=1)
    truth = [labels[i] for i in test]
    predicted = [str(classifier.classes_[row[0]]) for row in order]
    top3 = [{str(classifier.classes_[j]) for j in row[:3]} for row in order]
    return {
        "top1": sum(a == p for a, p in zip(truth, predicted, strict=True)) / len(truth),
        "top3": sum(a in b for a, b in zip(truth, top3, strict=True)) / len(truth),
        "macro_f1": float(f1_score(truth, predicted, average="macro", zero_division=0)),
        "auto_threshold": None,
        "auto_coverage": None,
        "auto_precision": None,
        "seconds": seconds,
    }


def _child(name: str, size: int, answer: Any) -> None:
    result = {"routing": _routing, "baseline": _baseline}[name](size)
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    answer.send(result)


def _in_own_process(name: str, size: int) -> dict[str, Any]:
    receiving, sending = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("fork").Process(target=_child, args=(name, size, sending))
    process.start()
    result = receiving.recv()
    process.join()
    return dict(result)


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:5.1f}"


def accuracy_table(sizes: list[int]) -> None:
    print(f"\nAccuracy and training cost (synthetic history, {UNITS} units, held-out fifth)")
    header = (
        f"{'size':>8} {'model':<9} {'top-1':>6} {'top-3':>6} {'mF1':>6} "
        f"{'auto≥':>6} {'cover':>6} {'prec':>6} {'train s':>8} {'RSS MB':>7}"
    )
    print(header)
    for size in sizes:
        for name in ("routing", "baseline"):
            row = _in_own_process(name, size)
            print(
                f"{size:>8,} {name:<9} {_share(row['top1']):>6} {_share(row['top3']):>6} "
                f"{_share(row['macro_f1']):>6} {_share(row['auto_threshold']):>6} "
                f"{_share(row['auto_coverage']):>6} {_share(row['auto_precision']):>6} "
                f"{row['seconds']:>8.1f} {row['max_rss_mb']:>7.0f}",
                flush=True,
            )


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(len(ordered) * 0.95) - 1)]
    p99 = ordered[max(0, round(len(ordered) * 0.99) - 1)]
    verdict = "ok" if p95 < SUGGEST_GOAL_MS else f"over {SUGGEST_GOAL_MS:.0f} ms"
    return (
        f"p50 {statistics.median(ordered):6.2f}  p95 {p95:6.2f}  p99 {p99:6.2f}  "
        f"max {ordered[-1]:6.2f} ms  ({verdict} at p95)"
    )


def latency(size: int, suggestions: int) -> None:
    url, cleanup = bench_seed.throwaway_database(os.environ.get("DATABASE_URL"))
    app = None
    try:
        app = bench_seed.migrated_app(url)
        with app.app_context():
            _latency(app, size, suggestions, bench_seed.backend_name(url))
    finally:
        bench_seed.release(app)
        cleanup()


def _latency(app: Any, size: int, suggestions: int, backend: str) -> None:
    from complaints.api import auth
    from complaints.auth import create_user
    from complaints.extensions import db
    from complaints.routing import training
    from complaints.routing.suggest import suggest
    from complaints.seed import seed_reference_data

    seed_reference_data()
    write_history(_corpus(size), code_prefix="ADU-RB")
    trained = training.train()
    assert trained is not None
    print(
        f"\nSuggestion latency on {backend}: a model trained by the service on {size:,} "
        f"complaints in {trained.summary['took_s']:.1f} s"
    )
    texts = [e.description for e in history(suggestions, units=UNITS, seed=4242)]
    suggest(texts[0])  # loads the model into this process once, as a worker does
    samples = []
    for text in texts:
        started = time.perf_counter()
        suggest(text)
        samples.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
    print(f"  suggest() {suggestions} texts: {_percentiles(samples)}")

    admin = create_user("bench-routing@bonebolangokab.go.id", "admin", "bench-password-1")
    db.session.commit()
    _token, secret = auth.issue_token(admin, "bench")
    db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    samples = []
    for text in texts:
        started = time.perf_counter()
        response = client.post(
            "/api/v1/routing/suggest", json={"description": text}, headers=headers
        )
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)
    print(f"  POST /api/v1/routing/suggest: {_percentiles(samples)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="2000,100000", help="history sizes to learn, comma-separated"
    )
    parser.add_argument("--suggestions", type=int, default=500, help="texts to time")
    options = parser.parse_args()
    sizes = sorted({int(size) for size in options.sizes.split(",") if size.strip()})
    if not sizes or sizes[0] < 100:
        parser.error("--sizes: at least 100 complaints each")
    logging.basicConfig(level=logging.WARNING)
    accuracy_table(sizes)
    latency(sizes[0], max(20, options.suggestions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
