"""utils.datasets, utils.plots, utils.training and utils.runtime."""

import matplotlib

matplotlib.use("Agg")

import inspect  # noqa: E402
import typing  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from utils import datasets, plots, runtime  # noqa: E402


def test_xor_is_the_truth_table():
    X, y = datasets.make_xor()
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and y.tolist() == [0, 1, 1, 0]
    Xn, yn = datasets.make_xor(n_per_corner=5, noise=0.1, seed=3)
    assert Xn.shape == (20, 2) and np.array_equal(yn, np.repeat([0, 1, 1, 0], 5))
    assert np.array_equal(Xn, datasets.make_xor(n_per_corner=5, noise=0.1, seed=3)[0])


@pytest.mark.parametrize("loader", [datasets.load_breast_cancer, datasets.load_digits])
def test_loaders_are_deterministic_and_stratified(loader):
    first, second = loader(seed=1), loader(seed=1)
    for a, b in zip(first, second, strict=True):
        assert np.array_equal(a, b)
    train_share = np.bincount(first.y_train) / len(first.y_train)
    test_share = np.bincount(first.y_test) / len(first.y_test)
    assert np.allclose(train_share, test_share, atol=0.02)
    assert first.X_train.dtype == np.float32 and first.y_train.dtype == np.int64


def test_breast_cancer_is_standardised_with_training_statistics():
    split = datasets.load_breast_cancer()
    assert np.allclose(split.X_train.mean(axis=0), 0, atol=1e-5)
    assert np.allclose(split.X_train.std(axis=0), 1, atol=1e-3)
    assert split.X_train.shape[1] == 30 and len(split.X_train) + len(split.X_test) == 569


def test_digits_images_shape_and_range():
    split = datasets.load_digits(images=True)
    assert split.X_train.shape[1:] == (8, 8, 1)
    assert split.X_train.min() >= 0 and split.X_train.max() <= 1


def test_generators_shapes():
    X, y = datasets.make_spirals(n_per_class=50, n_classes=3)
    assert X.shape == (150, 2) and set(y) == {0, 1, 2}
    X, y = datasets.make_sine_regression(n=30)
    assert X.shape == (30, 1) and y.shape == (30, 1)


def test_plots_return_axes():
    ax = plots.plot_curves({"a": [3, 2, 1]}, log_y=True)
    assert ax.get_yscale() == "log"
    ax = plots.plot_decision_boundary(lambda P: P[:, 0] > 0.5, *datasets.make_xor(),
                                      resolution=20)
    assert ax.get_xlabel() == "$x_1$"
    axes = plots.plot_function_and_derivative(np.tanh, lambda z: 1 - np.tanh(z) ** 2, "tanh")
    assert len(axes) == 2
    ax = plots.plot_history({"loss": [1, 0.5], "val_loss": [1.2, 0.7]})
    assert len(ax.lines) == 2
    assert len(plots.plot_bars({"layer 1": 1e-3, "layer 2": 1.0}, log_y=True).patches) == 2


def test_set_seed_makes_keras_repeatable():
    import keras

    runtime.set_seed(7)
    first = keras.random.normal((3,)).numpy()
    runtime.set_seed(7)
    assert np.array_equal(first, keras.random.normal((3,)).numpy())
    assert "TensorFlow" in runtime.device_summary()


def test_training_helpers():
    import keras

    from utils import training

    runtime.set_seed(0)
    X, y = datasets.make_xor()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = training.fit(model, X, y, epochs=2)
    assert len(history.history["loss"]) == 2
    assert training.predict(model, X).shape == (4, 1)
    # p = sigmoid(x1 + x2 - 0.5) predicts 1 at every corner but (0, 0): right on 3 of XOR's 4
    model.set_weights([np.ones((2, 1), "float32"), np.array([-0.5], "float32")])
    assert training.accuracy(model, X, y) == 0.75
    scores = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])  # argmax of two scores
    scores.set_weights([np.array([[0.0, 1.0], [0.0, 1.0]], "float32"),
                        np.array([0.5, 0.0], "float32")])
    assert training.accuracy(scores, X, y) == 0.75


def test_hiring_data_injects_the_requested_bias():
    fair = datasets.make_hiring(20_000, bias=0.0, seed=1)
    biased = datasets.make_hiring(20_000, bias=0.5, seed=1)
    assert fair.qualified.equals(fair.hired)
    women = biased[(biased.sex == "female") & (biased.qualified == 1)]
    assert abs(women.hired.mean() - 0.5) < 0.03
    men = biased[(biased.sex == "male") & (biased.qualified == 1)]
    assert men.hired.mean() == 1.0


def test_german_credit_is_the_documented_file():
    credit = datasets.load_german_credit()
    assert credit.shape == (1000, 22)
    assert (credit.credit_risk == "good").sum() == 700
    assert set(credit.sex) == {"female", "male"} and (credit.sex == "female").sum() == 310


def test_noisy_digits_flip_the_stated_share_of_labels():
    noisy = datasets.load_noisy_digits(n_train=200, noise=0.25, seed=2)
    assert isinstance(noisy, datasets.NoisyLabelSplit)
    assert noisy[:4] == tuple(noisy)[:4] and noisy._fields[:4] == datasets.Split._fields
    assert noisy.X_train.shape == (200, 64) and noisy.X_test.shape == (450, 64)
    assert noisy.y_train.shape == noisy.y_train_clean.shape == (200,)
    assert noisy.X_train.dtype == np.float32 and noisy.y_train.dtype == np.int64
    assert int(np.sum(noisy.y_train != noisy.y_train_clean)) == 50
    digits = datasets.load_digits(seed=2)
    assert np.array_equal(noisy.y_train_clean, digits.y_train[:200])
    assert np.array_equal(noisy.X_test, digits.X_test) and np.array_equal(noisy.y_test,
                                                                          digits.y_test)


def test_shift_digits_moves_pixels_but_keeps_their_mass_inside():
    image = np.zeros((1, 64), dtype=np.float32)
    image[0, 3 * 8 + 3] = 1.0  # one pixel in the middle
    shifted = datasets.shift_digits(image, p=1.0, seed=0)
    assert shifted.shape == (1, 64) and shifted.dtype == np.float32 and shifted.sum() == 1.0
    row, col = divmod(int(np.argmax(shifted)), 8)
    assert abs(row - 3) <= 1 and abs(col - 3) <= 1
    assert np.array_equal(datasets.shift_digits(image, p=0.0, seed=0), image)


def test_shift_digits_continues_a_generator_it_is_given():
    X = datasets.load_digits().X_train[:50]
    rng = np.random.default_rng(4)
    first, second = (datasets.shift_digits(X, seed=rng), datasets.shift_digits(X, seed=rng))
    assert not np.array_equal(first, second)  # the stream moved on: fresh shifts per batch
    assert np.array_equal(first, datasets.shift_digits(X, seed=4))  # int seed = a fresh stream
    replay = np.random.default_rng(4)
    assert np.array_equal(first, datasets.shift_digits(X, seed=replay))
    assert np.array_equal(second, datasets.shift_digits(X, seed=replay))


def test_scan_noise_is_float32_of_the_input_shape_and_fixed_by_seed():
    X = datasets.load_digits(images=True).X_test[:20]
    noisy = datasets.add_scan_noise(X, seed=3)
    assert noisy.shape == X.shape == (20, 8, 8, 1) and noisy.dtype == np.float32
    assert np.array_equal(noisy, datasets.add_scan_noise(X, seed=3))
    assert not np.array_equal(noisy, datasets.add_scan_noise(X, seed=4))
    assert abs(float(np.std(noisy - X)) - 0.45) < 0.03
    quiet = datasets.add_scan_noise(X, 0.1, seed=3)
    assert np.allclose((quiet - X) * 4.5, noisy - X, atol=1e-5)  # same draw, scaled


def test_image_grids():
    images = np.random.default_rng(0).random((10, 64))
    assert plots.show_images(images, titles=list(range(10)), ncols=4).shape == (3, 4)
    assert plots.show_image_rows([images[:3], images[3:8]], ["a", "b"]).shape == (2, 5)


def test_negation_sentences_need_word_order():
    sentences, labels = datasets.make_negation_sentences(400, seed=1)
    assert len(sentences) == 400 and set(labels) == {0, 1}
    vocabulary = datasets.build_vocabulary(sentences)
    ids = datasets.encode_sentences(sentences, vocabulary, max_len=10)
    assert ids.shape == (400, 10) and ids[:, -1].min() >= 2      # padded at the front
    counts = datasets.bag_of_words(ids, len(vocabulary))
    assert np.array_equal(counts.sum(axis=1), [min(len(s.split()), 10) for s in sentences])
    bags = {}
    for row, label in zip(counts, labels, strict=True):
        bags.setdefault(row.tobytes(), set()).add(int(label))
    assert any(len(seen) == 2 for seen in bags.values())  # same words, both labels


def test_adding_problem_and_sunspots():
    X, y = datasets.make_adding_problem(50, 20, seed=0)
    assert X.shape == (50, 20, 2) and np.all(X[:, :, 1].sum(axis=1) == 2)
    assert np.allclose(y, (X[:, :, 0] * X[:, :, 1]).sum(axis=1))
    years, values = datasets.load_sunspots()
    assert years[0] == 1700 and len(values) == len(years) == 309


def test_ring_of_gaussians():
    X, centres = datasets.make_ring_of_gaussians(n=800, n_modes=8, radius=2.0, std=0.1)
    assert X.shape == (800, 2) and centres.shape == (8, 2)
    assert np.allclose(np.linalg.norm(centres, axis=1), 2.0)
    nearest = np.min(np.linalg.norm(X[:, None] - centres[None], axis=2), axis=1)
    assert nearest.max() < 0.6


@pytest.mark.slow  # trains four networks
def test_lr_curves_are_what_the_script_makes():
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    stored = datasets.load_lr_curves()
    assert sorted(stored) == ["A", "B", "C", "D"]
    for letter, curve in stored.items():
        assert curve.shape == (16,), letter
        assert not np.isnan(curve).any() and (curve > 0).all(), letter  # finite, or inf if exploded
    root = Path(datasets.__file__).resolve().parents[1]
    script = ("import json, sys\nsys.path.insert(0, 'tools')\n"
              "from make_lr_curves import make_curves\nprint(json.dumps(make_curves()))")
    env = {**os.environ, "COURSE_TF_THREADS": "1", "OMP_NUM_THREADS": "1",
           "TF_CPP_MIN_LOG_LEVEL": "3"}  # one thread per kernel, as when grading
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=300, check=True, cwd=root, env=env)
    made = json.loads(result.stdout.strip().splitlines()[-1])
    assert sorted(made) == sorted(stored)
    for letter, curve in made.items():
        np.testing.assert_allclose(stored[letter], curve, rtol=1e-3, err_msg=letter)


# ----------------------------------------------------------------------------- API conventions

_SEEDED = {  # every function with a seed, called with small arguments
    "make_xor": dict(n_per_corner=3, noise=0.2),
    "make_spirals": dict(n_per_class=20),
    "make_sine_regression": dict(n=20),
    "load_breast_cancer": {},
    "load_digits": {},
    "load_noisy_digits": dict(n_train=50),
    "shift_digits": dict(X=np.linspace(0.0, 1.0, 10 * 64, dtype=np.float32).reshape(10, 64)),
    "add_scan_noise": dict(X=np.zeros((5, 8, 8, 1), dtype=np.float32)),
    "make_ring_of_gaussians": dict(n=50),
    "make_adding_problem": dict(n=10, length=8),
    "make_negation_sentences": dict(n=20),
    "make_hiring": dict(n=100),
}


def _public_functions():
    return {name: getattr(datasets, name) for name in datasets.__all__
            if inspect.isfunction(getattr(datasets, name))}


def _arrays(result):
    """The arrays of a result, whatever its kind: tuple, NamedTuple, DataFrame, list of str."""
    if isinstance(result, pd.DataFrame):
        return [result.to_numpy()]
    if isinstance(result, np.ndarray):
        return [result]
    return [np.asarray(part) for part in result]


def test_every_public_function_is_typed_and_takes_seed_by_keyword_only():
    functions = _public_functions()
    assert set(_SEEDED) == {name for name, f in functions.items()
                            if "seed" in inspect.signature(f).parameters}
    for name, function in functions.items():
        hints = typing.get_type_hints(function)  # also checks that every annotation resolves
        parameters = inspect.signature(function).parameters
        assert set(hints) == {*parameters, "return"}, name
        for parameter in parameters.values():
            expected = (inspect.Parameter.KEYWORD_ONLY if parameter.name == "seed"
                        else inspect.Parameter.POSITIONAL_OR_KEYWORD)
            assert parameter.kind is expected, (name, parameter.name)


@pytest.mark.parametrize("name", sorted(_SEEDED))
def test_seed_is_keyword_only_and_fixes_the_data(name):
    function, kwargs = getattr(datasets, name), _SEEDED[name]
    first, again = function(**kwargs, seed=5), function(**kwargs, seed=5)
    for a, b in zip(_arrays(first), _arrays(again), strict=True):
        assert np.array_equal(a, b), name
    parameters = inspect.signature(function).parameters.values()
    positional = [kwargs.get(p.name, p.default) for p in parameters if p.name != "seed"]
    with pytest.raises(TypeError, match="positional argument"):
        function(*positional, 5)


@pytest.mark.parametrize("name", ["load_breast_cancer", "load_digits", "load_noisy_digits"])
def test_splits_are_named_tuples_in_train_test_order(name):
    function = getattr(datasets, name)
    split = function(**_SEEDED[name])
    assert isinstance(split, typing.get_type_hints(function)["return"])
    assert split._fields[:4] == datasets.Split._fields == ("X_train", "X_test", "y_train", "y_test")
    assert len(split.X_train) == len(split.y_train) and len(split.X_test) == len(split.y_test)


def test_readme_table_lists_every_public_function():
    readme = (Path(datasets.__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Data (all offline)", 1)[1].split("\n## ", 1)[0]
    table = [line for line in section.splitlines() if line.startswith("| `")]
    listed = {line.split("`")[1] for line in table}
    assert listed == set(_public_functions()), listed ^ set(_public_functions())
