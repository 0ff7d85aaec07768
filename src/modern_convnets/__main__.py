"""`python -m modern_convnets COMMAND`: the package's commands.

    explain PHOTO [PHOTO ...] --out DIR   both models on your photos (PNG panels)

Longer jobs have their own modules: `python -m modern_convnets.train`,
`.transfer`, `.ablation` and `.feature_study`.
"""

from __future__ import annotations

import sys

COMMANDS = ("explain",)


def main(argv: list[str] | None = None) -> int:
    """Run the command named first in `argv`; return its exit status."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command not in COMMANDS:
        print(
            f"unknown command {command!r}; valid: {', '.join(COMMANDS)}",
            file=sys.stderr,
        )
        return 2
    from modern_convnets.explain import main as explain

    return explain(rest)


if __name__ == "__main__":
    sys.exit(main())
