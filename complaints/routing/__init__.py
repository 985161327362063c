"""The learned routing model: which unit (and category) a complaint belongs to.

- :mod:`.examples`: what it learns from (complaints routed by staff or LAPOR! history);
- :mod:`.model`: TF-IDF features, the classifiers, held-out figures, the skops file;
- :mod:`.training`: one training at a time across processes, storing the active model;
- :mod:`.suggest`: ranked suggestions and the automatic unit from the active model;
- :mod:`.auto`: automatic routing of a new complaint whose citizen chose no category;
- :mod:`.cli`: ``flask routing train``; :mod:`.views`: the admin page.
"""
