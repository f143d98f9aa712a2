import sys

from ticketlab.ui.cli import main

sys.exit(main())
