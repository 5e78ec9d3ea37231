"""Errors of the command line.

    CommandError      bad input the user can fix: printed as one line, exit status 1

Storage, contract and analytics errors are caught at the same boundary (``traq.main``) and
printed the same way; anything else is a bug and says how to get its traceback.
"""

from __future__ import annotations


class CommandError(Exception):
    """Bad input or state the user can fix; the message says how."""
