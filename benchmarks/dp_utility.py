"""Utility of publication noise: the error of a unit's weekly work time (README table).

For units of 5, 15 and 50 people working 5 days, each day's total tracked time gets the
Laplace noise ``analytics.publication.noise`` adds (half the day's epsilon on the total
cell, per-person L1 bound 2 x clip); the weekly work time per person-day is the sum of the
five noisy totals over 5 x n person-days. Prints, per epsilon per day, the mean and 95th
percentile absolute error in minutes per person-day, from --draws simulated weeks drawn
with OpenDP, then one JSON line.

Usage: python benchmarks/dp_utility.py [--clip-hours 12] [--draws 4000]
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from analytics.publication.noise import laplace

UNITS = (5, 15, 50)
EPSILONS = (0.5, 1.0, 2.0)
DAYS = 5


def weekly_errors(people: int, epsilon: float, clip_hours: float, draws: int) -> np.ndarray:
    """Absolute errors (minutes per person-day) of ``draws`` noised weeks."""
    bound = 2 * clip_hours * 3600
    noise = np.array(laplace([0.0] * (draws * DAYS), bound, epsilon / 2)).reshape(draws, DAYS)
    return np.abs(noise.sum(axis=1)) / (DAYS * people) / 60


def main() -> int:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip-hours", type=float, default=12.0)
    parser.add_argument("--draws", type=int, default=4000)
    args = parser.parse_args()
    header = " | ".join(f"epsilon {e:g} per day" for e in EPSILONS)
    print(f"| unit | {header} |")
    print("|---|" + "---|" * len(EPSILONS))
    results: dict[str, dict[str, list[float]]] = {}
    for people in UNITS:
        cells = []
        for epsilon in EPSILONS:
            errors = weekly_errors(people, epsilon, args.clip_hours, args.draws)
            mean, p95 = float(errors.mean()), float(np.percentile(errors, 95))
            results.setdefault(str(people), {})[str(epsilon)] = [mean, p95]
            cells.append(f"{mean:.0f} min (95 %: {p95:.0f})")
        print(f"| {people} people | " + " | ".join(cells) + " |")
    print(json.dumps({"clip_hours": args.clip_hours, "days": DAYS, "errors_minutes": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
