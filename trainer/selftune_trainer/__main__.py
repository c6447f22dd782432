import sys

# First, before the heavy imports: a worker must never outlive the server that started it.
from .parent_watch import watch_parent

watch_parent()

from .cli import main  # noqa: E402

sys.exit(main())
