#!/usr/bin/env python3
"""Laplacian eigenmaps and spectral clustering: rgflow against scikit-learn's SpectralEmbedding
and SpectralClustering on a 10,000-point MNIST set, wall time and agreement.

The dataset: the 10,000 images of MNIST's test set (../shared/data/mnist/t10k-images-idx3-ubyte.gz,
read as bytes / 255, 784 features; labels from t10k-labels-idx1-ubyte.gz), in file order. Both
sides build a 10-nearest-neighbour graph with binary weights (scikit-learn's affinity
'nearest_neighbors'; it counts each point as its own neighbour and averages A and A^T, rgflow takes
the union without self-loops) and embed with the normalised Laplacian; clustering uses 10 clusters
and k-means with 10 restarts. Reported: wall time of each fit (same process, same thread count),
principal angles between the embeddings, adjusted Rand indices between the clusterings and against
the digit labels, and a control where scikit-learn embeds rgflow's own graph (precomputed affinity).

Usage: PYTHONPATH=build/release/python OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 /usr/bin/python3 \
    bench/compare_manifold_sklearn.py --data ../shared/data --out bench/results/flowmaps/manifold_mnist.json
"""
import argparse
import gzip
import json
import os
import pathlib
import time

import numpy as np


def idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    dims = [int.from_bytes(raw[4 + 4 * k: 8 + 4 * k], "big") for k in range(raw[3])]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="../shared/data")
    p.add_argument("--rows", type=int, default=10000)
    p.add_argument("--neighbors", type=int, default=10)
    p.add_argument("--components", type=int, default=10)
    p.add_argument("--clusters", type=int, default=10)
    p.add_argument("--repeats", type=int, default=2, help="timed fits per method (the minimum is reported)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default="")
    a = p.parse_args()
    import rgflow
    import sklearn
    from scipy.linalg import subspace_angles
    from sklearn.cluster import SpectralClustering
    from sklearn.manifold import SpectralEmbedding
    from sklearn.metrics import adjusted_rand_score
    d = pathlib.Path(a.data) / "mnist"
    X = (idx(d / "t10k-images-idx3-ubyte.gz").reshape(-1, 784)[: a.rows] / 255.0).astype(np.float32)
    y = idx(d / "t10k-labels-idx1-ubyte.gz")[: a.rows].astype(int)

    def timed(f):
        best, out = None, None
        for _ in range(a.repeats):
            t = time.perf_counter()
            out = f()
            dt = time.perf_counter() - t
            best = dt if best is None else min(best, dt)
        return best, out

    k, nn = a.components, a.neighbors
    t_rg_embed, ours = timed(lambda: rgflow.LaplacianEigenmap(n_components=k, n_neighbors=nn, weights="binary",
                                                              threads=a.threads).fit(X))
    print(f"rgflow LaplacianEigenmap: {t_rg_embed:.2f} s, graph components {ours.graph_info_['components']}", flush=True)
    t_sk_embed, theirs = timed(lambda: SpectralEmbedding(n_components=k, affinity="nearest_neighbors", n_neighbors=nn,
                                                         random_state=0, n_jobs=a.threads).fit_transform(X))
    print(f"sklearn SpectralEmbedding: {t_sk_embed:.2f} s", flush=True)
    angles = subspace_angles(ours.embedding_, theirs)
    t_sk_same, same = timed(lambda: SpectralEmbedding(n_components=k, affinity="precomputed", random_state=0)
                            .fit_transform(ours.affinity_matrix_))
    angles_same = subspace_angles(ours.embedding_, same)
    print(f"principal angles (rad): own graphs max {angles.max():.4f}; same graph max {angles_same.max():.2e}", flush=True)
    t_rg_cluster, lab_ours = timed(lambda: rgflow.SpectralClustering(n_clusters=a.clusters, n_neighbors=nn, weights="binary",
                                                                     random_state=0, threads=a.threads).fit_predict(X))
    t_sk_cluster, lab_theirs = timed(lambda: SpectralClustering(n_clusters=a.clusters, affinity="nearest_neighbors",
                                                                n_neighbors=nn, random_state=0, n_jobs=a.threads)
                                     .fit_predict(X))
    result = {
        "dataset": f"MNIST t10k images, first {len(X)} in file order, bytes/255 (784 features)",
        "neighbors": nn, "components": k, "clusters": a.clusters, "threads": a.threads, "repeats": a.repeats,
        "sklearn": sklearn.__version__, "rgflow": rgflow.__version__, "cpu_count": os.cpu_count(),
        "graph_components": int(ours.graph_info_["components"]), "edges": int(ours.graph_info_["edges"]),
        "seconds": {"rgflow_embedding": t_rg_embed, "sklearn_embedding": t_sk_embed,
                    "sklearn_embedding_on_rgflow_graph": t_sk_same,
                    "rgflow_clustering": t_rg_cluster, "sklearn_clustering": t_sk_cluster},
        "speedup": {"embedding": t_sk_embed / t_rg_embed, "clustering": t_sk_cluster / t_rg_cluster},
        "eigenvalues_rgflow": ours.eigenvalues_.tolist(),
        "principal_angles_own_graphs": angles.tolist(),
        "principal_angles_same_graph": angles_same.tolist(),
        "ari_rgflow_vs_sklearn": adjusted_rand_score(lab_ours, lab_theirs),
        "ari_rgflow_vs_labels": adjusted_rand_score(y, lab_ours),
        "ari_sklearn_vs_labels": adjusted_rand_score(y, lab_theirs),
    }
    print(json.dumps({k2: v for k2, v in result.items() if "angles" not in k2 and "eigen" not in k2}, indent=1))
    if a.out:
        pathlib.Path(a.out).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
