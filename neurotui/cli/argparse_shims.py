"""Every use of argparse's private API, behind one named function.

argparse has no public list of a parser's options; serve needs one to repeat the app options
given before `serve` to each tab. `check()` (run by tests/test_shims.py) says so,
with the Python version, if a new argparse stores them differently.
"""

from __future__ import annotations

import argparse
import sys


def options_of(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """Every argument the parser takes, positional ones and subcommands included, in the order added."""
    return list(parser._actions)


def check() -> None:
    """Raise AssertionError, naming Python's version, if `options_of` no longer lists a parser's options."""
    parser = argparse.ArgumentParser(add_help=False)
    added = [parser.add_argument("--flag", action="store_true"), parser.add_argument("name")]
    try:
        found = options_of(parser)
    except AttributeError:
        found = None
    if found != added:
        raise AssertionError(f"argparse of Python {sys.version.split()[0]} changed ArgumentParser._actions: "
                             "see neurotui/cli/argparse_shims.py")
