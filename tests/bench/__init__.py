"""Platform benchmarks (`make bench`, `python -m tests.bench`): not pytest tests.

Each `bench_*.py` module measures one figure against real servers started here (a durable
PostgreSQL, `tessera serve` processes) and returns result dicts; `__main__` runs them in
order, prints a table and appends the results to `.tessera/bench/results.jsonl`.
"""
