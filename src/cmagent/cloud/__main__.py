"""``python -m cmagent.cloud`` runs the cmagent-cloud command line."""

from cmagent.cloud.cli import main

raise SystemExit(main())
