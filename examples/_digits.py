"""scikit-learn's bundled digits (no download), split and standardized the same way for every example."""
import numpy as np


def load_data(seed: int, with_stats: bool = False):
    """Digits as float32 features and int64 labels, standardized with the training set's statistics, split 75/25
    (stratified); ``with_stats`` adds those statistics (per-pixel mean and std), to standardize augmented images."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std[std == 0] = 1.0  # some border pixels are always blank
    X_train, X_test = ((a - mean) / std for a in (X_train, X_test))
    out = X_train.astype(np.float32), X_test.astype(np.float32), y_train.astype(np.int64), y_test.astype(np.int64)
    return out + (mean, std) if with_stats else out
