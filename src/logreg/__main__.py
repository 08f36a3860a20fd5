"""``python -m logreg`` runs the command line, like ``logreg``."""

from logreg.cli import main

raise SystemExit(main())
