"""`make bench`: the quick PDF benchmarks (the 100,000-file benchmark runs on its own)."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

for script in ("pdf_bench.py", "case_file_bench.py"):
    print(f"== {script} --quick", flush=True)
    subprocess.run([sys.executable, str(HERE / script), "--quick"], check=True)  # noqa: S603
print(
    "== files_bench.py seeds 100,000 files; run it yourself: "
    "python bench/files_bench.py [--url postgresql+psycopg://…]"
)
