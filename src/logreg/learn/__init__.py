"""The tutorial, for a learner: runs to replay, a race of solvers, the article.

* :mod:`logreg.learn.replay`: gradient descent recorded epoch by epoch
  (:func:`~logreg.learn.replay.descend`), at several learning rates, each
  with a verdict read from its losses;
* :mod:`logreg.learn.race`: gradient descent, momentum and Newton from one
  start on the loss over the two weights, the intercept held at its optimum;
* :mod:`logreg.learn.page`: the self-contained interactive page of
  ``logreg demo --html`` (its script and style sit next to it as
  ``playground.js`` and ``playground.css``);
* :mod:`logreg.learn.article`: the article's own code, kept to be compared;
* :mod:`logreg.learn.tutorial`: that recipe beside the corrected run, and
  what each difference does, for ``logreg demo --tutorial``.

Every number comes from the library's objective and solvers; only the
article's recipe is the article's own code, kept to be compared.
Nothing here imports :mod:`logreg.demo`, which builds on these modules.
"""
