"""Time MC-dropout sampling and training; the same as `uberforecast bench`.

python pipelines/benchmark_speed.py          # full run, updates docs/benchmarks.md
python pipelines/benchmark_speed.py --quick  # a quick check, prints only
"""

import sys

from uberforecast.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
