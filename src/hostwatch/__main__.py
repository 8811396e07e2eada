"""`python -m hostwatch`."""

from hostwatch.cli import main

raise SystemExit(main())
