"""Root shim so that `python cli.py ...` works from a checkout; the real CLI is ledger/cli/."""

from ledger.cli import main

if __name__ == "__main__":
    main()
