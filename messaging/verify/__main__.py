import sys

from messaging.verify.cli import main

sys.exit(main())
