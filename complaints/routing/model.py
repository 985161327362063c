"""The routing model itself: features, classifiers, held-out figures, the skops file.

No database here: :mod:`complaints.routing.training` hands it texts and labels.

One :class:`~sklearn.pipeline.FeatureUnion` turns a complaint's text into
TF-IDF features — words and word pairs (sublinear term frequency) beside
character n-grams of 3 to 5 inside word boundaries, which forgive the
spelling of SMS ("jln", "jalannya", "jembatan2") — and two multinomial
logistic regressions read them: one predicts the unit, one the category.
Logistic regression gives probabilities directly; on held-out complaints
they are what :func:`choose_threshold` calibrates the automatic routing
against (the threshold is read from the scores, not assumed).

Stored with :func:`skops.io.dumps` and read back with :func:`skops.io.loads`
against :data:`TRUSTED_TYPES` only: no pickle, ever.

scikit-learn, SciPy, skops, NumPy and threadpoolctl are imported inside the
functions that fit, run or store a model, not at the top: importing them
costs about 1.5 s of CPU, which every process that loads the app (each web
worker, bot and ``flask`` command) would otherwise pay whether it ever routes
or not. A process pays it once, when it first trains or loads a model.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion

# Bumped when what is stored changes shape: an older file is then not read.
FORMAT_VERSION = 1
SEED = 0
HELD_OUT_FRACTION = 0.2
# Precision the automatic routing must reach on held-out complaints.
AUTO_PRECISION = 0.95
# Fewer held-out complaints than this, or fewer above the threshold, say nothing
# about 95 %: then there is no automatic routing.
MIN_HELD_OUT = 30
MIN_COVERED = 20
# Longer texts are cut: the head of a complaint says what it is about, and the
# suggestion's time stays bounded.
MAX_TEXT = 3000
TOP = 5

# The types a stored model may hold, by their fully qualified names: skops
# refuses a file with anything else. Every one is in skops' own trusted list
# today; naming them here keeps a future skops from widening what we load.
TRUSTED_TYPES: list[str] = [
    "builtins.dict",
    "builtins.list",
    "builtins.str",
    "builtins.tuple",
    "numpy.ndarray",
    "numpy.float64",
    "numpy.int64",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.pipeline.FeatureUnion",
]


def document(
    title: str | None,
    description: str | None,
    address: str | None = None,
    kecamatan: str | None = None,
    desa: str | None = None,
) -> str:
    """The one text the model reads: title, description, address and place names."""
    parts = (title, description, address, kecamatan, desa)
    return " \n".join(part.strip() for part in parts if part and part.strip())[:MAX_TEXT]


def _features(examples: int) -> FeatureUnion:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    # Rare character n-grams are noise once there is enough text to have common ones.
    rare = 2 if examples >= 1000 else 1
    return FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    min_df=rare,
                    max_features=200_000,
                    dtype=np.float64,
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(3, 5),
                    sublinear_tf=True,
                    min_df=rare,
                    max_features=300_000,
                    dtype=np.float64,
                ),
            ),
        ]
    )


def _classifier() -> LogisticRegression:
    from sklearn.linear_model import LogisticRegression

    # C above the default: TF-IDF rows are unit-length and sparse, and a weak
    # penalty lets a clear text reach a clear score.
    return LogisticRegression(C=20.0, max_iter=2000, random_state=SEED)


@dataclass(frozen=True)
class Threshold:
    """The lowest top score routed automatically, and what it did on held-out complaints."""

    value: float
    coverage: float  # share of held-out complaints at or above it
    precision: float  # share of those whose top unit was right
    covered: int


def choose_threshold(
    scores: Sequence[float], correct: Sequence[bool], *, target: float = AUTO_PRECISION
) -> Threshold | None:
    """The lowest score at which the top unit is right at least ``target`` of the time.

    ``scores`` are the top unit's scores on held-out complaints, ``correct``
    whether that unit was the right one. Walking from the highest score down,
    every distinct score is a candidate; the lowest whose complaints at or above
    it reach ``target`` precision wins. None when too few complaints were held
    out or covered (:data:`MIN_HELD_OUT`, :data:`MIN_COVERED`), or none reaches it.
    """
    if len(scores) != len(correct):
        raise ValueError("scores and correct differ in length")
    if len(scores) < MIN_HELD_OUT:
        return None
    ranked = sorted(zip(scores, correct, strict=True), key=lambda pair: -pair[0])
    best: Threshold | None = None
    right = 0
    for index, (score, is_right) in enumerate(ranked):
        right += bool(is_right)
        covered = index + 1
        # Only at the last of equal scores: a threshold takes every tie with it.
        if covered < len(ranked) and ranked[covered][0] == score:
            continue
        precision = right / covered
        if precision >= target and covered >= MIN_COVERED:
            best = Threshold(float(score), covered / len(ranked), precision, covered)
    return best


def held_out_split(labels: Sequence[str], *, seed: int = SEED) -> tuple[list[int], list[int]]:
    """Indices to train on and to hold out: a fifth of each label, stratified.

    A label with one example is only trained on; every other keeps at least
    one example on each side. Deterministic for a given ``seed``.
    """
    import numpy as np

    by_label: dict[str, list[int]] = {}
    for index, label in enumerate(labels):
        by_label.setdefault(label, []).append(index)
    generator = np.random.default_rng(seed)
    train: list[int] = []
    test: list[int] = []
    for label in sorted(by_label):
        indices = by_label[label]
        if len(indices) < 2:
            train += indices
            continue
        shuffled = [indices[i] for i in generator.permutation(len(indices))]
        held = min(len(indices) - 1, max(1, round(len(indices) * HELD_OUT_FRACTION)))
        test += shuffled[:held]
        train += shuffled[held:]
    return sorted(train), sorted(test)


def confused_pairs(
    truth: Sequence[str], predicted: Sequence[str], *, top: int = 5
) -> list[dict[str, Any]]:
    """The pairs of labels most often mistaken for each other (either way), most first."""
    pairs: Counter[tuple[str, str]] = Counter()
    for actual, guess in zip(truth, predicted, strict=True):
        if actual != guess:
            first, second = sorted((actual, guess))
            pairs[(first, second)] += 1
    ranked = sorted(pairs.items(), key=lambda item: (-item[1], item[0]))
    return [{"a": a, "b": b, "count": count} for (a, b), count in ranked[:top]]


@dataclass
class Evaluation:
    """Held-out figures of one classifier (all shares in 0..1)."""

    examples: int
    held_out: int
    accuracy: float | None = None
    top3: float | None = None
    macro_f1: float | None = None
    baseline: float | None = None  # always answering the most common label
    threshold: Threshold | None = None
    confused: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        threshold = self.threshold
        return {
            "examples": self.examples,
            "held_out": self.held_out,
            "accuracy": _rounded(self.accuracy),
            "top3": _rounded(self.top3),
            "macro_f1": _rounded(self.macro_f1),
            "baseline": _rounded(self.baseline),
            "auto_threshold": _rounded(threshold.value) if threshold else None,
            "auto_coverage": _rounded(threshold.coverage) if threshold else None,
            "auto_precision": _rounded(threshold.precision) if threshold else None,
            "confused": self.confused,
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


class Router:
    """The fitted features and classifiers: what a suggestion runs."""

    def __init__(
        self,
        features: FeatureUnion,
        unit: LogisticRegression,
        category: LogisticRegression | None,
    ) -> None:
        self.features = features
        self.unit = unit
        self.category = category

    def vectors(self, texts: Sequence[str]) -> sparse.csr_matrix:
        from scipy import sparse
        from sklearn import config_context

        # The fitted vectorisers one by one: FeatureUnion's own transform goes
        # through joblib and input checks that cost more than the arithmetic.
        with config_context(assume_finite=True, skip_parameter_validation=True):
            parts = [part.transform(texts) for _, part in self.features.transformer_list]
        return sparse.hstack(parts, format="csr")

    def rank(self, text: str, *, top: int = TOP) -> tuple[list[tuple[str, float]], ...]:
        """The best ``top`` units and categories for one text, best first, scores in 0..1."""
        vector = self.vectors([text])
        units = _ranked(self.unit, vector, top)
        categories = _ranked(self.category, vector, top) if self.category is not None else []
        return units, categories

    def dumps(self) -> bytes:
        import skops.io as sio

        return sio.dumps(
            {
                "format": FORMAT_VERSION,
                "features": self.features,
                "unit": self.unit,
                "category": self.category,
            }
        )

    @classmethod
    def loads(cls, blob: bytes) -> Router:
        """Read a stored model; refuses any type outside :data:`TRUSTED_TYPES`."""
        import skops.io as sio

        stored = sio.loads(blob, trusted=TRUSTED_TYPES)
        if stored.get("format") != FORMAT_VERSION:
            raise ValueError(f"routing model format {stored.get('format')!r} is not readable")
        return cls(stored["features"], stored["unit"], stored["category"])


def probabilities(classifier: LogisticRegression, vectors: sparse.csr_matrix) -> np.ndarray:
    """predict_proba without sklearn's per-call checks (the scores are the same)."""
    import numpy as np

    scores = vectors @ classifier.coef_.T + classifier.intercept_
    if scores.shape[1] == 1:  # two classes: one column of log-odds
        positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
        return np.column_stack([1.0 - positive, positive])
    scores = scores - scores.max(axis=1, keepdims=True)
    exponentials = np.exp(scores)
    return np.asarray(exponentials / exponentials.sum(axis=1, keepdims=True))


def _ranked(
    classifier: LogisticRegression, vector: sparse.csr_matrix, top: int
) -> list[tuple[str, float]]:
    import numpy as np

    row = probabilities(classifier, vector)[0]
    order = np.argsort(-row, kind="stable")[:top]
    return [(str(classifier.classes_[i]), float(row[i])) for i in order]


def _fit_classifier(vectors: sparse.csr_matrix, labels: Sequence[str]) -> LogisticRegression:
    classifier = _classifier()
    classifier.fit(vectors, list(labels))
    return classifier


def evaluate(texts: Sequence[str], labels: Sequence[str], *, with_threshold: bool) -> Evaluation:
    """Fit on four fifths, score the held-out fifth (see :func:`held_out_split`)."""
    import numpy as np
    from sklearn.metrics import f1_score

    train, test = held_out_split(labels)
    evaluation = Evaluation(examples=len(labels), held_out=len(test))
    train_labels = [labels[i] for i in train]
    if not test or len(set(train_labels)) < 2:
        return evaluation
    features = _features(len(train))
    train_vectors = features.fit_transform([texts[i] for i in train])
    classifier = _fit_classifier(train_vectors, train_labels)
    router = Router(features, classifier, None)
    scores = probabilities(classifier, router.vectors([texts[i] for i in test]))
    classes = classifier.classes_
    truth = [labels[i] for i in test]
    order = np.argsort(-scores, axis=1, kind="stable")
    predicted = [str(classes[row[0]]) for row in order]
    top3 = [{str(classes[j]) for j in row[:3]} for row in order]
    evaluation.accuracy = _share(a == p for a, p in zip(truth, predicted, strict=True))
    evaluation.top3 = _share(a in best for a, best in zip(truth, top3, strict=True))
    evaluation.macro_f1 = float(
        f1_score(truth, predicted, labels=sorted(set(truth)), average="macro", zero_division=0)
    )
    most_common = Counter(train_labels).most_common(1)[0][0]
    evaluation.baseline = _share(a == most_common for a in truth)
    evaluation.confused = confused_pairs(truth, predicted)
    if with_threshold:
        top_scores = [float(scores[k, row[0]]) for k, row in enumerate(order)]
        correct = [a == p for a, p in zip(truth, predicted, strict=True)]
        evaluation.threshold = choose_threshold(top_scores, correct)
    return evaluation


def _share(flags: Any) -> float:
    values = list(flags)
    return sum(values) / len(values) if values else math.nan


@dataclass
class Fitted:
    """A router fitted on every example, with its held-out figures."""

    router: Router
    unit: Evaluation
    category: Evaluation | None


def fit(texts: Sequence[str], units: Sequence[str], categories: Sequence[str | None]) -> Fitted:
    """Evaluate on a held-out split, then fit the features and both classifiers on everything.

    ``categories`` has None where a complaint's category teaches nothing (see
    :mod:`complaints.routing.examples`); the category classifier learns from the
    rest, when they name at least two categories.
    """
    from threadpoolctl import threadpool_limits

    # One BLAS thread: several threads fighting for two busy cores made a fit 40 times
    # slower on the production machine, and the web workers are processes already.
    with threadpool_limits(limits=1):
        return _fit(texts, units, categories)


def _fit(texts: Sequence[str], units: Sequence[str], categories: Sequence[str | None]) -> Fitted:
    unit_figures = evaluate(texts, units, with_threshold=True)
    labelled = [i for i, category in enumerate(categories) if category is not None]
    category_texts = [texts[i] for i in labelled]
    category_labels = [str(categories[i]) for i in labelled]
    learns_categories = len(set(category_labels)) >= 2
    category_figures = (
        evaluate(category_texts, category_labels, with_threshold=False)
        if learns_categories
        else None
    )
    features = _features(len(texts))
    vectors = features.fit_transform(list(texts))
    unit_classifier = _fit_classifier(vectors, units)
    category_classifier = None
    if learns_categories:
        category_classifier = _fit_classifier(vectors[labelled], category_labels)
    router = Router(features, unit_classifier, category_classifier)
    return Fitted(router, unit_figures, category_figures)
