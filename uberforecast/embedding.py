"""The encoder's embeddings of a series' windows, and their 2-D projection."""

from __future__ import annotations

import numpy as np
import pandas as pd


def window_embeddings(model, frame):
    """The deterministic embedding of every window of a frame.

    Each window is `lookback` consecutive observations of the model's target
    (dropout off, see `TwoStageForecaster.embed`); it is named by the
    timestamp of the step it forecasts, the one right after it.

    Parameters
    ----------
    model
        A fitted `TwoStageForecaster`.
    frame
        Indexed by timestamps, with the model's target column and more than
        `lookback` rows.

    Returns
    -------
    pandas.DataFrame
        Shape ``(len(frame) - lookback, E)``, columns ``embedding_0`` to
        ``embedding_<E-1>``, indexed by the target timestamp of each window.
    """
    if model.target not in frame:
        raise ValueError(
            f"Invalid value for argument `frame`: expected a frame with the "
            f"model's target column {model.target!r}, received columns "
            f"{list(frame.columns)}."
        )
    values = frame[model.target].to_numpy(dtype="float64")
    if len(values) <= model.lookback:
        raise ValueError(
            f"Invalid value for argument `frame`: expected more than lookback="
            f"{model.lookback} rows, received {len(values)}."
        )

    # Every window whose next step is in the frame.
    # -> (W, L)
    windows = np.lib.stride_tricks.sliding_window_view(values, model.lookback)[:-1]
    embeddings = model.embed(windows)
    columns = [f"embedding_{i}" for i in range(embeddings.shape[1])]
    return pd.DataFrame(
        embeddings, index=frame.index[model.lookback :], columns=columns
    )


def embedding_pca(embeddings, num_components=2):
    """Project embeddings on their first principal components.

    Parameters
    ----------
    embeddings
        A frame from `window_embeddings`, shape ``(W, E)``.
    num_components
        Components kept. Default: ``2``.

    Returns
    -------
    points : pandas.DataFrame
        Shape ``(W, num_components)``, columns ``pc_1``, ``pc_2``, ...,
        indexed like `embeddings`.
    explained : numpy.ndarray
        Share of the embeddings' variance along each component, shape
        ``(num_components,)``.
    """
    from sklearn.decomposition import PCA

    most = min(embeddings.shape)
    if not isinstance(num_components, int) or not 1 <= num_components <= most:
        raise ValueError(
            f"Invalid value for argument `num_components`: expected an integer "
            f"from 1 to {most} (the embeddings' shape is {embeddings.shape}), "
            f"received {num_components!r}."
        )
    pca = PCA(n_components=num_components)
    points = pca.fit_transform(np.asarray(embeddings, dtype="float64"))
    columns = [f"pc_{i + 1}" for i in range(num_components)]
    frame = pd.DataFrame(points, index=embeddings.index, columns=columns)
    return frame, pca.explained_variance_ratio_
