"""A realistic synthetic organisation for `traq demo`: teams, people, activity, screenshots.

One module a job: ``org`` (teams, people, habits), ``apps`` and ``titles`` (what people
use), ``schedule`` (when they work), ``spans`` and ``activity`` (what they do, per minute),
``rollups``, ``pictures`` and ``screenshots``, ``sealing``, ``accounts``, ``writer`` and
``run`` (orchestration). Everything is drawn from named random streams (``seeds``), so a
seed gives the same organisation whatever the order of generation.
"""

from __future__ import annotations

from traq.demo.run import DemoOptions, DemoReport, run_demo

__all__ = ["DemoOptions", "DemoReport", "run_demo"]
