"""The pretrained network chapter 09 loads: committed, small, and the script's architecture."""

import importlib.util

import keras
import numpy as np

from course.chapters import ROOT

SCRIPT = ROOT / "tools" / "pretrain_transfer_base.py"


def load_script():
    spec = importlib.util.spec_from_file_location("pretrain_transfer_base", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_artifact_is_small_and_is_the_scripts_architecture():
    script = load_script()
    assert script.ARTIFACT.exists() and script.ARTIFACT.stat().st_size < 1_000_000
    trained = keras.saving.load_model(script.ARTIFACT)
    fresh = script.build_base()
    assert [layer.name for layer in trained.layers] == [layer.name for layer in fresh.layers]
    assert trained.count_params() == fresh.count_params()
    assert trained.input_shape == (None, 8, 8, 1) and trained.output_shape == (None, 5)
    assert trained.get_layer("features").output.shape == fresh.get_layer("features").output.shape


def test_artifact_classifies_the_source_digits():
    import utils

    script = load_script()
    model = keras.saving.load_model(script.ARTIFACT)
    digits = utils.datasets.load_digits(images=True)
    source = digits.y_test < 5
    X = utils.datasets.add_scan_noise(digits.X_test[source], seed=script.SEED + 2)
    accuracy = np.mean(utils.training.predict(model, X).argmax(axis=1) == digits.y_test[source])
    assert accuracy > 0.85  # the script reports 0.938 on these noisy scans
