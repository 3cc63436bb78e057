"""Querying a graph: SPARQL with pyoxigraph (:mod:`kg.query.sparql`), the named queries in
``kg/query/queries/*.rq``, and the read-only SPARQL endpoint (:mod:`kg.query.endpoint`)."""
