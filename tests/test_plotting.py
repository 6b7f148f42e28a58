"""The plots draw what they are given, and refuse what they cannot draw."""

import matplotlib
import numpy as np
import pandas as pd
import pytest

from uberforecast import plotting
from uberforecast.anomaly import flag_anomalies
from uberforecast.embedding import embedding_pca, window_embeddings

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def _forecast_frame(levels=(80, 95, 99), num_days=20, seed=0):
    """Step-1 forecasts with mean 0, std 1 and Gaussian intervals; actuals are
    standard normal, so the intervals are calibrated."""
    from scipy.stats import norm

    rng = np.random.default_rng(seed)
    index = pd.date_range("2024-01-01", periods=num_days, freq="D", name="timestamp")
    columns = {"step": 1, "actual": rng.standard_normal(num_days), "mean": 0.0}
    columns["std"] = 1.0
    for level in levels:
        z = norm.ppf(0.5 + level / 200)
        name = f"{level:g}".replace(".", "_")
        columns[f"lower_{name}"], columns[f"upper_{name}"] = -z, z
    return pd.DataFrame(columns, index=index)


def test_fan_chart_marks_the_flagged_observations():
    frame = _forecast_frame()
    frame.iloc[[3, 11], 1] = [5.0, -4.0]
    ax = plotting.fan_chart(frame, (80, 99), anomalies=flag_anomalies(frame))
    marked = ax.collections[-1].get_offsets()
    np.testing.assert_allclose(np.asarray(marked)[:, 1], [5.0, -4.0])
    # Two shaded intervals, the anomalies' points; forecast and actual lines.
    assert len(ax.collections) == 3 and len(ax.lines) == 2


def test_fan_chart_takes_timestamps_or_a_mask():
    frame = _forecast_frame()
    mask = np.zeros(len(frame), dtype=bool)
    mask[[1, 2]] = True
    by_mask = plotting.fan_chart(frame, (95,), anomalies=mask)
    by_time = plotting.fan_chart(frame, (95,), anomalies=frame.index[[1, 2]])
    for ax in (by_mask, by_time):
        assert len(ax.collections[-1].get_offsets()) == 2
    with pytest.raises(ValueError, match="argument `anomalies`.*20 rows"):
        plotting.fan_chart(frame, (95,), anomalies=mask[:5])
    with pytest.raises(ValueError, match=r"argument `levels`.*received \[90\]"):
        plotting.fan_chart(frame, (90,))


def _decomposition(num_days=10):
    index = pd.date_range("2024-01-01", periods=num_days, freq="D", name="timestamp")
    mlp, encoder, noise = np.full(num_days, 0.2), np.linspace(0, 0.3, num_days), 0.5
    return pd.DataFrame(
        {
            "step": 1,
            "mlp": mlp,
            "encoder": encoder,
            "noise": noise,
            "total": mlp + encoder + noise,
        },
        index=index,
    )


def test_decomposition_stacks_to_the_total():
    decomposition = _decomposition()
    ax = plotting.uncertainty_decomposition(decomposition)
    # stackplot draws one band per source; the top of the last is the total.
    top = ax.collections[-1].get_paths()[0].vertices[:, 1].max()
    assert len(ax.collections) == 3
    assert top == pytest.approx(decomposition["total"].max())
    shares = plotting.uncertainty_decomposition(decomposition, share=True)
    assert shares.collections[-1].get_paths()[0].vertices[:, 1].max() == (
        pytest.approx(1.0)
    )


def test_decomposition_without_a_source_is_refused():
    with pytest.raises(ValueError, match=r"expected the columns \['encoder'\]"):
        plotting.uncertainty_decomposition(_decomposition().drop(columns="encoder"))


def test_coverage_curve_counts_hand_made_cases():
    frame = _forecast_frame(levels=(50, 90), num_days=4)
    # 50% bounds are +-0.674, 90% +-1.645: inside both, 90 only, neither, a bound.
    frame["actual"] = [0.1, 1.0, 3.0, -1.6448536269514722]
    curve = plotting.coverage_curve(frame)
    assert curve.to_dict() == {50.0: 25.0, 90.0: 75.0}


def test_calibrated_intervals_lie_near_the_diagonal():
    frame = _forecast_frame(levels=range(50, 100), num_days=4000)
    curve = plotting.coverage_curve(frame)
    # 4000 draws: a coverage's standard error is at most 100 * sqrt(.25 / 4000)
    # = 0.8 points; 4 points is five of them.
    assert np.abs(curve.to_numpy() - curve.index.to_numpy()).max() < 4
    ax = plotting.calibration_curve(frame)
    np.testing.assert_allclose(ax.lines[1].get_ydata(), curve.to_numpy())
    # A second forecast on the same axes: one more line, one diagonal.
    plotting.calibration_curve(frame, levels=(50, 90), ax=ax, label="other")
    labels = [line.get_label() for line in ax.lines]
    assert labels == ["ideal", "forecast", "other"]
    with pytest.raises(ValueError, match=r"argument `levels`.*received \[42.0\]"):
        plotting.coverage_curve(frame, levels=(42,))


def test_training_curves_of_both_stages_follow_each_other():
    history = {
        "encoder": {"loss": [3.0, 2.0, 1.5], "val_loss": [3.5, 2.5, 2.6]},
        "network": {"loss": [1.0, 0.5], "val_loss": [1.2, 0.9]},
    }
    ax = plotting.training_curves(history)
    xs = [np.asarray(line.get_xdata()).tolist() for line in ax.lines]
    # Stage one on epochs 1-3, its best at 2; stage two on 4-5, its best at 5.
    assert xs[0] == [1, 2, 3] and xs[2] == [2]
    assert xs[3] == [4, 5] and xs[5] == [5]
    with pytest.raises(ValueError, match="argument `history`"):
        plotting.training_curves({"encoder": history["encoder"]})


def test_embeddings_of_every_window_and_their_map(fitted, series):
    frame = series.iloc[:100]
    embeddings = window_embeddings(fitted, frame)
    # TINY: lookback 14, embedding size 4; named by the step each forecasts.
    assert embeddings.shape == (86, 4) and embeddings.index[0] == frame.index[14]
    window = frame["y"].to_numpy()[20:34]
    np.testing.assert_allclose(
        embeddings.loc[frame.index[34]], fitted.embed(window[None])[0], rtol=1e-5
    )
    points, explained = embedding_pca(embeddings)
    assert points.shape == (86, 2) and explained[0] >= explained[1] > 0

    ax = plotting.embedding_map(fitted, frame)
    assert [t.get_text() for t in ax.get_legend().get_texts()][0] == "Monday"
    ax = plotting.embedding_map(fitted, frame, labels=np.arange(86.0))
    assert len(ax.figure.axes) == 2  # the colour bar
    with pytest.raises(ValueError, match="argument `labels`.*86"):
        plotting.embedding_map(fitted, frame, labels=[1, 2])
    with pytest.raises(ValueError, match="argument `frame`.*'y'"):
        window_embeddings(fitted, frame.rename(columns={"y": "z"}))
