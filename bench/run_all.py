"""`make bench`: the quick PDF benchmarks and the quick web benchmark (SQLite, 2,000 files).

The full web benchmark (100,000 and 1,000,000 files on PostgreSQL) runs on its own:
python bench/web_bench.py --url postgresql+psycopg://… --seed-files 100000
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

for script in ("pdf_bench.py", "case_file_bench.py"):
    print(f"== {script} --quick", flush=True)
    subprocess.run([sys.executable, str(HERE / script), "--quick"], check=True)  # noqa: S603
print("== web_bench.py --quick", flush=True)
subprocess.run([sys.executable, str(HERE / "web_bench.py"), "--quick"], check=True)  # noqa: S603
print(
    "== files_bench.py seeds 100,000 files; run it yourself: "
    "python bench/files_bench.py [--url postgresql+psycopg://…]"
)
