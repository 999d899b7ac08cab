"""The peer for bench/segments.ts: scikit-learn MiniBatchKMeans on the same standardised feature matrix, k
chosen over 2..10 by silhouette on a sample of 1,200 (as ours), then the final fit. Prints seconds as JSON."""
import json
import sys
import time

import numpy as np
from sklearn.cluster import MiniBatchKMeans
from sklearn.metrics import silhouette_score


def main(path, n, d, seed):
    X = np.fromfile(path, dtype=np.float64).reshape(n, d)
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    scored = rng.choice(n, size=min(n, 1200), replace=False)
    tried = []
    for k in range(2, 11):
        model = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=2, batch_size=4096).fit(X)
        tried.append((k, float(silhouette_score(X[scored], model.labels_[scored]))))
    best = max(s for _, s in tried)
    k = max(k for k, s in tried if s >= best * 0.95)
    MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=5, batch_size=4096).fit(X)
    print(json.dumps({"seconds": time.perf_counter() - started, "k": k}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
