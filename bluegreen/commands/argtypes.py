"""argparse converters shared by the subcommands: each turns an option's text into a value or a usage error."""

from __future__ import annotations

import argparse

from bluegreen.settings import parse_weight, weight_rule

MAX_SAMPLES = 1000  # TestDNSAnswer shares Route 53's 5 requests/s per account: 1,000 samples take minutes


def weight(text: str) -> int:
    value = parse_weight(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"{text!r} {weight_rule(text)}")
    return value


def seconds(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds >= 0")
    return value


def samples(text: str) -> int:
    value = int(text)
    if not 0 <= value <= MAX_SAMPLES:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0..{MAX_SAMPLES}")
    return value
