"""Fitting one Keras model with early stopping and progress in the log."""

from __future__ import annotations

import logging
import time

import keras

logger = logging.getLogger(__name__)


class _EpochLog(keras.callbacks.Callback):
    """Logs each epoch's losses and seconds at INFO level, keeps the seconds."""

    def __init__(self, stage, epochs):
        super().__init__()
        self.stage, self.epochs = stage, epochs
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.seconds.append(time.perf_counter() - self._started)
        logger.info(
            "%s epoch %d/%d: loss %.4f, val_loss %.4f (%.1fs)",
            self.stage,
            epoch + 1,
            self.epochs,
            logs.get("loss", float("nan")),
            logs.get("val_loss", float("nan")),
            self.seconds[-1],
        )


def fit_model(
    model, train, validation, *, stage, epochs, batch_size, learning_rate, patience
):
    """Compile `model` with Adam and MSE, fit it, keep the best epoch.

    Parameters
    ----------
    model
        The Keras model; freeze layers before calling, since compiling here
        is what makes `trainable = False` take effect.
    train, validation
        ``(inputs, targets)`` pairs.
    stage
        Name used in the log.
    epochs, batch_size, learning_rate, patience
        Training settings; early stopping watches the validation loss and
        restores the weights of the best epoch.

    Returns
    -------
    dict
        ``{"loss": [...], "val_loss": [...], "seconds": [...]}`` per epoch;
        the first epoch's seconds include tracing the training function.
    """
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    stopping = keras.callbacks.EarlyStopping(
        patience=patience, restore_best_weights=True
    )
    epoch_log = _EpochLog(stage, epochs)
    history = model.fit(
        *train,
        validation_data=validation,
        epochs=epochs,
        batch_size=batch_size,
        callbacks=[stopping, epoch_log],
        verbose=0,
    )
    losses = {
        key: [float(v) for v in values] for key, values in history.history.items()
    }
    losses["seconds"] = epoch_log.seconds
    best = min(range(len(losses["val_loss"])), key=losses["val_loss"].__getitem__)
    logger.info(
        "%s: best val_loss %.4f at epoch %d of %d",
        stage,
        losses["val_loss"][best],
        best + 1,
        len(losses["val_loss"]),
    )
    return losses
