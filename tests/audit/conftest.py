from __future__ import annotations

import sys
from pathlib import Path

# The chain-history builder lives with the index tests; make it importable from here too.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
