import sys

from bluegreen.cli import main

sys.exit(main())
