"""The `uberforecast` command line."""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
import time
import warnings
from pathlib import Path

from uberforecast.data import FILL_POLICIES, load_csv

_FORMATS = {
    "series": "{:.0f}",
    "fitted_series": "{:.0f}",
    "smape": "{:.2f}",
    "mase": "{:.3f}",
    "fit_seconds": "{:.1f}",
    "predict_seconds": "{:.1f}",
}


def _run_parser(subparsers):
    run = subparsers.add_parser(
        "run",
        help="train both stages and forecast the test period",
        description="Train the two-stage model, forecast the test period, print "
        "the metrics table and write forecasts, metrics, a fan chart, the "
        "resolved config and the model to the output folder.",
    )
    _data_arguments(run)
    run.set_defaults(handler=_run)


def _evaluate_parser(subparsers):
    evaluate = subparsers.add_parser(
        "evaluate",
        help="train every model on one data set and print the comparison table",
        description="Fit the two-stage model (and score its ablation: MC dropout "
        "in the prediction network alone, in the encoder too, plus the noise, "
        "plus conformal widths) and the peers on the same splits; print one "
        "table and write it as CSV and Markdown with each model's forecasts.",
    )
    _data_arguments(evaluate, suffix="_evaluate")
    evaluate.add_argument(
        "--peers", help="comma-separated peers (default: all; 'none' for none)"
    )
    evaluate.add_argument(
        "--origins", type=int, help="refit before each of this many test blocks"
    )
    evaluate.set_defaults(handler=_evaluate)


def _data_arguments(run, suffix=""):
    """The data, config and output options of `run`, `evaluate` and `detect`;
    `suffix` ends the default output folder's name."""
    run.add_argument("--config", help="TOML config (default: the Chicago run)")
    run.add_argument("--csv", help="read this CSV instead of the Chicago data")
    run.add_argument(
        "--time-column", help="timestamp column of the CSV (default: date)"
    )
    run.add_argument("--target", help="column to forecast")
    run.add_argument("--features", help="comma-separated feature columns")
    run.add_argument("--freq", help="pandas frequency, e.g. D or h (default: inferred)")
    run.add_argument(
        "--series-column", help="many series in long form: the column of series ids"
    )
    run.add_argument(
        "--series",
        help="many series: comma-separated ids (long form) or series columns "
        "(wide form, when there is no --series-column)",
    )
    _fill_argument(run)
    run.add_argument(
        "--output",
        help=f"output folder (default: the config's, outputs/chicago{suffix}; with "
        f"--csv and no --config, outputs/<CSV name>{suffix})",
    )
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override a config value, e.g. --set model.lookback=14 (repeatable)",
    )
    run.add_argument("--quiet", action="store_true", help="log warnings only")


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


def _bench_parser(subparsers):
    bench = subparsers.add_parser(
        "bench",
        help="time MC-dropout sampling and training, print the table",
        description="Time the samplers of the default architecture against loops "
        "of predict and direct calls and a float32 matmul, measure memory, time "
        "training epochs on the Chicago windows; print Markdown tables and write "
        "them to the speed section of docs/benchmarks.md.",
    )
    add = bench.add_argument
    add("--windows", type=int, help="windows sampled (default 1000, quick 100)")
    add("--samples", type=int, default=100, help="samples per window (default 100)")
    add("--encoder-samples", type=int, default=10, help="nested: encoder passes")
    add("--repeats", type=int, help="timed sampler calls (default 2, quick 1)")
    add("--memory-calls", type=int, help="calls for memory growth (default 1000)")
    add("--chunk-rows", type=int, help="rows per compiled call (default: package)")
    add("--xla", action="store_true", help="compile the samplers with XLA")
    add("--sweep", action="store_true", help="also time chunk sizes and XLA")
    add("--batch-sizes", default="128", help="training batch sizes, e.g. 64,128")
    add("--epochs", type=int, default=2, help="training epochs per stage (>= 2)")
    add("--no-training", action="store_true", help="skip timing training")
    add("--no-references", action="store_true", help="skip the reference loops")
    add("--quick", action="store_true", help="100 windows, no training, no write")
    add("--output", help="Markdown file to update (default docs/benchmarks.md)")
    add("--no-write", action="store_true", help="print only")
    add("--quiet", action="store_true", help="log warnings only")
    bench.set_defaults(handler=_bench)


def _bench_arguments(args):
    """Keyword arguments of `run_benchmark` from the bench flags."""
    from uberforecast.benchmark import SWEEP

    def pick(value, full, quick):
        return value if value is not None else quick if args.quick else full

    training = not (args.no_training or args.quick)
    batch_sizes = [int(size) for size in args.batch_sizes.split(",") if size.strip()]
    arguments = {
        "windows": pick(args.windows, 1000, 100),
        "num_samples": args.samples,
        "encoder_samples": args.encoder_samples,
        "repeats": pick(args.repeats, 2, 1),
        "memory_calls": pick(args.memory_calls, 1000, 100),
        "references": not args.no_references,
        "sweep": SWEEP if args.sweep else (),
        "training_batch_sizes": tuple(batch_sizes) if training else (),
        "training_epochs": args.epochs,
        "jit_compile": args.xla,
    }
    if args.chunk_rows is not None:
        arguments["chunk_rows"] = args.chunk_rows
    return arguments


def _bench(args):
    from uberforecast.benchmark import run_benchmark
    from uberforecast.benchmark_report import format_report, write_report

    results = run_benchmark(**_bench_arguments(args))
    text = format_report(results, "uberforecast " + shlex.join(args.argv))
    print(text)
    output = args.output or (None if args.quick else "docs/benchmarks.md")
    if output and not args.no_write:
        write_report(output, text)
        print(f"\nwritten to {output}")
    return 0


def _names(text):
    """``"temp, rain"`` to ``["temp", "rain"]``; empty names are dropped."""
    return [name.strip() for name in text.split(",") if name.strip()]


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
        names = _names(args.features)
        overrides.append(f"data.features={names!r}")
    if args.freq:
        overrides.append(f"data.freq={args.freq!r}")
    if args.fill:
        overrides.append(f"data.fill={args.fill!r}")
    if getattr(args, "series_column", None):
        overrides += ["data.layout=long", f"data.series_column={args.series_column!r}"]
    if getattr(args, "series", None) is not None:
        names = _names(args.series)
        overrides.append(f"data.series={names!r}")
        if not args.series_column:
            overrides.append("data.layout=wide")
    section = "evaluate" if args.command == "evaluate" else "run"
    if args.output:
        overrides.append(f"{section}.output_dir={args.output!r}")
    elif args.csv and not args.config:
        # Not the Chicago run's folder: a CSV's outputs go beside its own name.
        suffix = "_evaluate" if section == "evaluate" else ""
        folder = f"outputs/{Path(args.csv).stem}{suffix}"
        overrides.append(f"{section}.output_dir={folder!r}")
    if getattr(args, "peers", None) is not None:
        names = _names(args.peers)
        overrides.append(f"evaluate.peers={[] if names == ['none'] else names!r}")
    if getattr(args, "origins", None) is not None:
        overrides.append(f"evaluate.origins={args.origins}")
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
    if "per_series" in result:
        _print_panel(result)
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


def _evaluate(args):
    from uberforecast.config import load_config
    from uberforecast.pipeline import evaluate_job

    config = load_config(args.config, _overrides(args))
    result = evaluate_job(config)
    print()
    print(format_table(result["table"]))
    if result.get("subset_table") is not None:
        print(
            f"\non the {int(result['subset_table']['series'].iloc[0])} series of the "
            "local models:\n"
        )
        print(format_table(result["subset_table"]))
    if "series_input" in result:
        print(f"\nglobal model's series input: {result['series_input']}")
    print(f"\ntable and forecasts: {result['output_dir']}")
    return 0


def _print_panel(result):
    """The global model's per-series scores (or where they are), then a title
    for the aggregated table."""
    from uberforecast.panel_pipeline import MAX_PRINTED_SERIES

    per_series = result["per_series"].loc["two-stage (global)"]
    if len(per_series) <= MAX_PRINTED_SERIES:
        print("two-stage (global), per series:")
        print(format_table(per_series.drop(columns="scale")))
    else:
        print(f"{len(per_series)} series: per-series scores in per_series.csv")
    print(f"\nseries input: {result['series_input']}; over all series:")


def _detect_parser(subparsers):
    detect = subparsers.add_parser(
        "detect",
        help="flag test-period observations outside the prediction interval",
        description="Fit the config's model (or load one with --model), forecast "
        "the test period and flag each observation outside the interval at "
        "--level, scored in predictive standard deviations. Writes the flagged "
        "rows (anomalies.csv) and a fan chart marking them (anomalies.png).",
    )
    _data_arguments(detect)
    detect.add_argument("--model", help="folder of a saved model (default: fit one)")
    detect.add_argument(
        "--level", type=float, default=99.0, help="interval in %% (default 99)"
    )

    def handler(args):
        from uberforecast.config import load_config
        from uberforecast.detect import detect_job

        level = int(args.level) if args.level.is_integer() else args.level
        config = load_config(args.config, _overrides(args))
        features = None if args.features is None else _names(args.features)
        requested = {"target": args.target, "features": features}
        result = detect_job(
            config, level=level, model_path=args.model, requested=requested
        )
        flags = result["flags"]
        print(flags[flags["flagged"]].drop(columns="flagged").to_string())
        print(f"\n{int(flags['flagged'].sum())} of {len(flags)} steps flagged")
        print(f"outputs: {result['files']['table']}, {result['files']['chart']}")
        return 0

    detect.set_defaults(handler=handler)


def main(argv=None):
    """Entry point of the `uberforecast` console script."""
    parser = argparse.ArgumentParser(
        prog="uberforecast",
        description="Two-stage LSTM forecaster with MC-dropout prediction intervals.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    _run_parser(subparsers)
    _evaluate_parser(subparsers)
    _predict_parser(subparsers)
    _bench_parser(subparsers)
    _detect_parser(subparsers)
    args = parser.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else list(argv)
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
