"""The benchmark suite of secretctl and the platform program: ``python -m bench``.

Benchmarks are not tests: nothing here asserts, and the test suite never times anything.
"""
