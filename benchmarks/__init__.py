"""Benchmarks: ``./dev bench NAME`` (or ``python -m benchmarks NAME``) runs ``benchmarks/NAME.py``.

Each prints its figures and the ratio to its reference; none is a timed test.
"""
