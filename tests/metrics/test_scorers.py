"""Retrieval scorers choose a learner in GridSearchCV by MAP@R of its embedding."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from mlearn import LMNN
from mlearn.datasets import make_informative_noise
from mlearn.metrics import (
    kmeans_nmi,
    make_retrieval_scorer,
    map_at_r,
    map_at_r_scorer,
    precision_at_1_scorer,
    precision_at_k,
)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_grid_search_selects_the_learner_with_the_best_map_at_r():
    X, y = make_informative_noise(n_samples=150, n_informative=2, n_noise=6, random_state=0)
    pipeline = Pipeline([("scale", StandardScaler()), ("learner", FunctionTransformer())])
    learners = [FunctionTransformer(), LMNN(n_components=2, max_iter=50, random_state=0)]
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    search = GridSearchCV(pipeline, {"learner": learners}, scoring=map_at_r_scorer, cv=cv)
    search.fit(X, y)
    assert isinstance(search.best_params_["learner"], LMNN)
    # The score of each candidate is MAP@R of its held-out fold, queried against itself.
    for candidate, learner in enumerate(learners):
        folds = []
        for train, test in cv.split(X, y):
            fitted = make_pipeline(StandardScaler(), learner).fit(X[train], y[train])
            folds.append(map_at_r(fitted.transform(X[test]), y[test]))
        mean = search.cv_results_["mean_test_score"][candidate]
        assert mean == pytest.approx(np.mean(folds), abs=1e-12)
    identity, lmnn = search.cv_results_["mean_test_score"]
    assert lmnn > identity + 0.05


def test_a_pipeline_ending_in_a_classifier_is_scored_on_the_embedding_before_it():
    X, y = make_informative_noise(n_samples=90, random_state=1)
    pipeline = make_pipeline(StandardScaler(), KNeighborsClassifier(3)).fit(X, y)
    expected = precision_at_k(StandardScaler().fit(X).transform(X), y, 1)
    assert precision_at_1_scorer(pipeline, X, y) == expected
    with pytest.raises(TypeError, match="has no transform"):
        map_at_r_scorer(KNeighborsClassifier(3).fit(X, y), X, y)


def test_made_scorers_pass_their_arguments_and_say_so():
    X, y = make_informative_noise(n_samples=90, random_state=2)
    identity = FunctionTransformer()
    at_five = make_retrieval_scorer("precision_at_k", k=5, metric="cosine")
    assert at_five(identity, X, y) == precision_at_k(X, y, 5, metric="cosine")
    assert make_retrieval_scorer("kmeans_nmi")(identity, X, y) == kmeans_nmi(X, y)
    assert repr(at_five) == "make_retrieval_scorer('precision_at_k', k=5, metric='cosine')"
    with pytest.raises(ValueError, match="score"):
        make_retrieval_scorer("accuracy")
