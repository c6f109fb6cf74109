"""Small measuring helpers shared by the benchmarks."""

import os
import sys

import numpy as np


def progress(message):
    """A progress line on stderr, apart from the figures on stdout."""
    print(message, file=sys.stderr, flush=True)


def load():
    """The 1, 5 and 15 minute load averages: other work skews latencies."""
    return "%.1f/%.1f/%.1f" % os.getloadavg()


def percentiles(seconds):
    """(p50, p95) in milliseconds of a list of durations in seconds."""
    values = np.asarray(seconds) * 1000
    return float(np.percentile(values, 50)), float(np.percentile(values, 95))
