"""``python -m ecostat.datasets``: list the shipped datasets, describe one, or print a file's path.

    python -m ecostat.datasets list
    python -m ecostat.datasets info ferplus
    python -m ecostat.datasets path ferplus          # e.g. ecostat describe "$(python -m ecostat.datasets path ferplus)"
"""

from __future__ import annotations

import argparse
import sys

from ..errors import EcostatError
from . import catalog


def main(argv: list[str] | None = None) -> int:
    """Run the command; 0 on success, 2 with a message on stderr for an unknown name.

    Examples
    --------
    >>> from ecostat.datasets.__main__ import main
    >>> main(["info", "nope"])
    2
    """
    parser = argparse.ArgumentParser(prog="python -m ecostat.datasets", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="one line per dataset")
    for verb, text in [("info", "describe a dataset"), ("path", "print the path of a dataset's file")]:
        sub.add_parser(verb, help=text).add_argument("name", help=f"one of {', '.join(catalog.names())} (path: also ferplus_votes)")
    args = parser.parse_args(argv)
    try:
        if args.command == "list":
            print(catalog.list_datasets()[["name", "task", "n_instances", "n_classes", "models", "columns", "in_papers"]]
                  .to_string(index=False))
        elif args.command == "info":
            print(catalog.info(args.name))
        else:
            print(catalog.path(args.name))
    except EcostatError as err:
        print(f"python -m ecostat.datasets: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
