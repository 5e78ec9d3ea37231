"""`traq demo`: a realistic synthetic organisation, deterministic for a seed."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.progress import Progress

    from storage.facade import Storage
    from traq.demo.org import Person


def register(sub: Any) -> None:
    """Add the `demo` command."""
    parser = sub.add_parser(
        "demo",
        help="generate a realistic synthetic organisation (teams, time zones, apps, screenshots)",
        description="Fill an empty installation with a synthetic organisation; the same "
        "seed and end date always give the same data.",
    )
    for flag, kind, default, metavar, text in _options():
        parser.add_argument(flag, type=kind, default=default, metavar=metavar, help=text)
    parser.add_argument(
        "--if-empty",
        action="store_true",
        help="do nothing (exit 0) if the installation already has people, e.g. someone "
        "tracking themselves (`make run` passes it)",
    )
    parser.set_defaults(run=run)


def _options() -> list[tuple[str, Callable[[str], Any], Any, str, str]]:
    return [
        ("--employees", _bounded(1, 5000), 60, "N", "number of people, 1-5000 (default 60)"),
        ("--days", _bounded(1, 400), 30, "D", "days of history, 1-400 (default 30)"),
        ("--seed", int, 42, "S", "random seed (default 42)"),
        ("--end", _day, None, "YYYY-MM-DD", "last day (default: today, UTC; nothing after now)"),
        (
            "--screenshot-days", _bounded(0, 400), 2, "K",
            "take screenshots on the last K days only (default 2): screenshots are kept a "
            "short time in practice, and months of them would take most of the demo's time "
            "and disk (every one is rendered, sealed and stored as its own object)",
        ),
    ]  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """Generate the demo organisation and print what was made, and the accounts once."""
    from services.first_run import nobody_yet
    from storage.facade import open_storage
    from traq.demo import DemoOptions, run_demo

    options = DemoOptions(
        employees=args.employees,
        days=args.days,
        seed=args.seed,
        end=args.end or datetime.now(UTC).date(),
        screenshot_days=args.screenshot_days,
    )
    storage = open_storage()
    try:
        if args.if_empty and not nobody_yet(storage.engine):
            print("traq demo: the installation already has people; no demo added")
            return 0
        with _progress_bar() as bar:
            report = run_demo(storage, options, _tracker(bar, options.employees))
        published = _publish(storage)
    finally:
        storage.close()
    print(report.summary())
    print(published)
    if report.accounts is not None:
        print(f"demo accounts, all with the password (shown once): {report.accounts.password}")
        for line in report.accounts.describe():
            print(f"  {line}")
    return 0


def _publish(storage: Storage) -> str:
    """Publish every closed demo day at once (no late uploads will come): what managers see."""
    from analytics.publication.publish import publish_due

    report = publish_due(storage.engine, datetime.now(UTC), grace_hours=0)
    return f"published {len(report.days)} closed day(s) for managers ({report.units} unit-days)"


def _bounded(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {low} to {high}, got {value}")
        return value

    return parse


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def _progress_bar() -> Progress:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("[bold]traq demo"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("people"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    )


def _tracker(bar: Progress, total: int) -> Callable[[Iterable[Person]], Iterator[Person]]:
    def track(people: Iterable[Person]) -> Iterator[Person]:
        yield from bar.track(people, total=total, description="people")

    return track
