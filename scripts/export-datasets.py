"""Exports public datasets that ship inside scikit-learn's wheel to test/fixtures/, as CSV with a header.

Run through the project venv: `python "$(scripts/venv.sh datasets)" scripts/export-datasets.py` is done by
`npm run datasets`. The CSVs are committed so that tests need no Python.
"""
import csv
import pathlib

from sklearn import datasets

OUT = pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures"


def export(name, bunch, feature_names, fmt):
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([*feature_names, "target"])
        for row, target in zip(bunch.data, bunch.target):
            writer.writerow([fmt(v) for v in row] + [int(target)])
    print(f"{path}: {len(bunch.target)} rows, {len(feature_names)} features")


# UCI Wisconsin diagnostic breast cancer: 569 rows, 30 features, target 0 = malignant, 1 = benign.
cancer = datasets.load_breast_cancer()
export("breast-cancer", cancer, [n.replace(" ", "_") for n in cancer.feature_names], lambda v: repr(float(v)))

# UCI optical recognition of handwritten digits, 8x8 pixels in 0..16: 1,797 rows, 64 features, 10 classes.
digits = datasets.load_digits()
export("digits", digits, [f"p{i}" for i in range(64)], lambda v: str(int(v)))
