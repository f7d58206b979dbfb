import sys

from services.functions.main import main

sys.exit(main())
