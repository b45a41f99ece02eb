"""``python -m cc_campaigns``: the ``cc-campaigns`` command line."""

from .cli import main

if __name__ == "__main__":
    main()
