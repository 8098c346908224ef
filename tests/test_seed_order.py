"""Demo seeders run in their domains' order whatever imported them first."""

import subprocess
import sys

SCRIPT = """
import assist.campaigns.demo  # first, as a test module importing a helper from it does
import assist.mutual_aid.demo
from assist import create_app
from assist.demo.cli import SEEDERS
create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")
print(" ".join(fn.__name__ for _order, fn in SEEDERS))
"""


def test_seeders_run_in_domain_order_not_import_order():
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()
    assert out == ["seed_files", "seed_cases", "seed_funds", "seed_mutual_aid", "seed_campaigns"]
