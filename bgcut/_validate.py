"""Checks of the package's options: each raises ValueError naming the bad value."""

import numbers

import numpy as np

import kmeans_utils as ku

integer = ku._check_integer
"""``integer(name, value, low)``: `value` as an int; it must be an integer >= `low`
(the course module's own check, with its message)."""


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
