"""The `uberforecast` command line."""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings

from uberforecast.data import FILL_POLICIES, load_csv

_FORMATS = {"smape": "{:.2f}", "mase": "{:.3f}"}


def _run_parser(subparsers):
    run = subparsers.add_parser(
        "run",
        help="train both stages and forecast the test period",
        description="Train the two-stage model, forecast the test period, print "
        "the metrics table and write forecasts, metrics, a fan chart, the "
        "resolved config and the model to the output folder.",
    )
    run.add_argument("--config", help="TOML config (default: the Chicago run)")
    run.add_argument("--csv", help="read this CSV instead of the Chicago data")
    run.add_argument("--time-column", help="timestamp column of the CSV")
    run.add_argument("--target", help="column to forecast")
    run.add_argument("--features", help="comma-separated feature columns")
    run.add_argument("--freq", help="pandas frequency, e.g. D or h (default: inferred)")
    _fill_argument(run)
    run.add_argument("--output", help="output folder (default: outputs/chicago)")
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override a config value, e.g. --set model.lookback=14 (repeatable)",
    )
    run.add_argument("--quiet", action="store_true", help="log warnings only")
    run.set_defaults(handler=_run)


def _fill_argument(parser):
    parser.add_argument(
        "--fill",
        choices=FILL_POLICIES,
        help="fill missing timestamps and empty values (default: refuse them)",
    )


def _predict_parser(subparsers):
    predict = subparsers.add_parser(
        "predict",
        help="forecast a CSV with a saved model",
        description="Load a model saved by `run` (its model/ folder), forecast "
        "every window of the CSV from --start on, and write the forecasts as CSV. "
        "The CSV needs the model's target and feature columns, observed in every "
        "row: each forecast reads the lookback rows before it, and the target "
        "fills the `actual` column.",
    )
    predict.add_argument("--model", required=True, help="folder of a saved model")
    predict.add_argument("--csv", required=True, help="the data to forecast")
    predict.add_argument(
        "--time-column", default="date", help="timestamp column (default: date)"
    )
    predict.add_argument(
        "--start", help="first target timestamp (default: the earliest possible)"
    )
    _fill_argument(predict)
    predict.add_argument("--num-samples", type=int, help="MC-dropout passes")
    predict.add_argument("--seed", type=int, help="seed of the dropout masks")
    predict.add_argument("--output", help="CSV file to write (default: stdout)")
    predict.add_argument("--quiet", action="store_true", help="log warnings only")
    predict.set_defaults(handler=_predict)


def _predict(args):
    from uberforecast.forecaster import TwoStageForecaster

    model = TwoStageForecaster.load(args.model)
    frame = load_csv(
        args.csv, args.time_column, model.target, model.features, fill=args.fill
    )
    forecast = model.predict(
        frame, start=args.start, num_samples=args.num_samples, seed=args.seed
    )
    forecast.frame.to_csv(args.output or sys.stdout)
    if args.output:
        print(f"forecasts: {args.output}")
    return 0


def _overrides(args):
    """Config overrides from the convenience flags, then the --set ones."""
    overrides = []
    if args.csv:
        overrides += ["data.source=csv", f"data.path={args.csv!r}", "data.features=[]"]
    if args.time_column:
        overrides.append(f"data.time_column={args.time_column!r}")
    if args.target:
        overrides.append(f"data.target={args.target!r}")
    if args.features is not None:
        names = [name.strip() for name in args.features.split(",") if name.strip()]
        overrides.append(f"data.features={names!r}")
    if args.freq:
        overrides.append(f"data.freq={args.freq!r}")
    if args.fill:
        overrides.append(f"data.fill={args.fill!r}")
    if args.output:
        overrides.append(f"run.output_dir={args.output!r}")
    return overrides + args.set


def format_table(table):
    """A scores frame as aligned text, coverages in percent."""
    shown = table.copy()
    formatters = {}
    for column in shown.columns:
        if column.startswith("coverage_"):
            shown[column] = 100 * shown[column]
            formatters[column] = "{:.1f}".format
        else:
            formatters[column] = _FORMATS.get(column, "{:.3f}").format
    # A score that could not be computed (None) shows as n/a.
    return shown.to_string(formatters=formatters, na_rep="n/a")


def _run(args):
    from uberforecast.config import load_config
    from uberforecast.pipeline import run_job, scores_table

    config = load_config(args.config, _overrides(args))
    started = time.perf_counter()
    result = run_job(config)
    print()
    print(format_table(scores_table(result["scores"])))
    print()
    timings = result["timings"]
    print(
        "seconds: stage one {fit_stage_one:.1f}, stage two {fit_stage_two:.1f}, "
        "noise {fit_noise:.1f}, predict {predict:.1f}".format(**timings)
        + f", whole run {time.perf_counter() - started:.1f}"
    )
    print(f"outputs: {result['output_dir']}")
    return 0


def main(argv=None):
    """Entry point of the `uberforecast` console script."""
    parser = argparse.ArgumentParser(
        prog="uberforecast",
        description="Two-stage LSTM forecaster with MC-dropout prediction intervals.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    _run_parser(subparsers)
    _predict_parser(subparsers)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if getattr(args, "quiet", False) else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    # Library warnings (a fill, a score left out) go to the log like the rest,
    # as their message alone.
    shown, warnings.showwarning = warnings.showwarning, _log_warning
    try:
        return args.handler(args)
    except (ValueError, TypeError, OSError, ImportError, RuntimeError) as error:
        print(f"uberforecast {args.command}: error: {error}", file=sys.stderr)
        return 2
    finally:
        warnings.showwarning = shown


def _log_warning(message, category, filename, lineno, file=None, line=None):
    logging.getLogger("uberforecast").warning("%s", message)


if __name__ == "__main__":
    sys.exit(main())
