"""fengqiao benchmarks (../shared/BENCHMARKS.md): `make bench` or `python -m bench NAME`."""
