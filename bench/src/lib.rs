//! Nothing to build: the benchmarks are in `benches/` (`cargo bench -p sansocket-bench`).
