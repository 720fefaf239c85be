import sys
from pathlib import Path

# The tests import their network builder, `nets`, from this folder.
sys.path.insert(0, str(Path(__file__).parent))
