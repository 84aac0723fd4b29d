"""The model Chapter 3 serves (fixtures/data/serving_model.py): Capstone 2's classifier, as ONNX."""

from __future__ import annotations

import numpy as np

from fixtures.data import serving_model as sm


def test_the_onnx_model_answers_as_the_keras_model_it_was_converted_from(serving_model):
    keras_logits = np.load(serving_model.folder / "keras_logits.npy")
    onnx_logits = serving_model.logits(serving_model.x_test)
    assert onnx_logits.shape == (397, 10)
    np.testing.assert_allclose(onnx_logits, keras_logits, rtol=1e-4, atol=1e-4)


def test_it_is_the_capstone_s_model_good_enough_to_serve(serving_model):
    accuracy = float((serving_model.predict(serving_model.x_test) == serving_model.y_test).mean())
    assert accuracy >= 0.9  # Capstone 2's bar
    assert abs(accuracy - serving_model.meta["accuracy"]) < 0.01
    assert (serving_model.saved_model / "saved_model.pb").exists()


def test_it_is_built_once_per_machine(serving_model):
    assert sm.build() == serving_model.folder  # cached by the module's content and the versions
