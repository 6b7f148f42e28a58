"""The evaluation table; the same as `uberforecast evaluate` (same flags).

python pipelines/benchmark.py                       # Chicago, every model
python pipelines/benchmark.py --peers seasonal_naive --origins 4
"""

import sys

from uberforecast.cli import main

if __name__ == "__main__":
    sys.exit(main(["evaluate", *sys.argv[1:]]))
