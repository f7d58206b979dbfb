"""The benchmark harness (``make bench``): load generation, baselines, micro-benchmarks."""
