"""Where the repository and its generated test fixtures are, from this package's own location."""

import os

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
GENERATED = os.path.join(REPO, "test", "fixtures", "generated")
DEFAULT_TINY_PACK = os.path.join(GENERATED, "tiny-pack")
