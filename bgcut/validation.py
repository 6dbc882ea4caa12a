"""Checks of the package's options: each raises ValueError naming the bad value."""

import numbers

import numpy as np


def integer(name, value, low):
    """`value` as an int; it must be an integer >= `low`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def number(name, value, low, high):
    """`value` as a float; it must be a number in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not low <= value <= high:
        raise ValueError(f"{name} must be a number in [{low}, {high}], got {value!r}")
    return float(value)


def positive(name, value):
    """`value` as a float; it must be a finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not 0 < value < np.inf:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def flag(name, value):
    """`value` must be a bool (True or False, numpy's too)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)
