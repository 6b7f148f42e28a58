"""Run the main job; the same as `uberforecast run` (same flags).

python pipelines/run_pipeline.py --config pipelines/configs/chicago.toml
"""

import sys

from uberforecast.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", *sys.argv[1:]]))
