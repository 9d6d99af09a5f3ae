import sys

from model_service.server import main

sys.exit(main())
