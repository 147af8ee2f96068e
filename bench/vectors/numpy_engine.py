"""numpy engine for bench/vectors.ts: exact top-k by dot product, one query per call.

Usage: numpy_engine.py DATA.npy QUERIES.npy K WARMUP
Prints one JSON object: buildS (np.load into RAM), latenciesMs (one per query, measured here with
perf_counter around the search alone), totalS (wall time of the timed loop), ids (top-k rows, best first;
ties by lower row), rssMiB (VmRSS after the run), peakRssMiB (VmHWM), blas (library, core, threads), and
shape: the data's mean pairwise cosine (4,000 random pairs) and, over the queries, the median gap between the
k-th and (k+1)-th best scores and the share of queries where it is below 0.002 (computed after the timed loop).
"""
import ctypes
import json
import re
import sys
import time

import numpy as np


def status_mib(field):
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1]) / 1024
    return None


def blas_info():
    with open('/proc/self/maps') as f:
        libs = sorted(set(re.findall(r'(/\S*(?:blas|BLAS)\S*\.so\S*)', f.read())))
    info = {'libraries': libs, 'corename': None, 'threads': None}
    for lib in libs:
        try:
            handle = ctypes.CDLL(lib)
            handle.openblas_get_corename.restype = ctypes.c_char_p
            info['corename'] = handle.openblas_get_corename().decode()
            info['threads'] = handle.openblas_get_num_threads()
            info['config'] = (lambda f: (setattr(f, 'restype', ctypes.c_char_p), f().decode())[1])(handle.openblas_get_config)
            break
        except (OSError, AttributeError):
            continue
    return info


def main():
    data_path, query_path, k, warmup = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    start = time.perf_counter()
    X = np.ascontiguousarray(np.load(data_path))
    build_s = time.perf_counter() - start
    Q = np.ascontiguousarray(np.load(query_path))
    n = X.shape[0]
    k = min(k, n)

    def search(q):
        scores = X @ q
        if k < n:
            top = np.argpartition(-scores, k - 1)[:k]
        else:
            top = np.arange(n)
        order = np.lexsort((top, -scores[top]))
        return top[order]

    for i in range(min(warmup, len(Q))):
        search(Q[i])
    latencies = []
    ids = []
    loop_start = time.perf_counter()
    for q in Q:
        t0 = time.perf_counter_ns()
        top = search(q)
        latencies.append((time.perf_counter_ns() - t0) / 1e6)
        ids.append(top.tolist())
    total_s = time.perf_counter() - loop_start
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, n, 4000), rng.integers(0, n, 4000)
    shape = {'meanCosine': float(np.mean(np.sum(X[a] * X[b], axis=1)))}
    if k < n:
        gaps = []
        for q in Q[:1000]:
            scores = X @ q
            best = -np.sort(-scores[np.argpartition(-scores, k)[:k + 1]])
            gaps.append(float(best[k - 1] - best[k]))
        shape['gapMedian'] = float(np.median(gaps))
        shape['gapUnder002'] = float(np.mean(np.array(gaps) < 0.002))
    json.dump({
        'buildS': build_s,
        'latenciesMs': latencies,
        'totalS': total_s,
        'ids': ids,
        'rssMiB': status_mib('VmRSS'),
        'peakRssMiB': status_mib('VmHWM'),
        'numpy': np.__version__,
        'blas': blas_info(),
        'shape': shape,
    }, sys.stdout)


if __name__ == '__main__':
    main()
