"""Rate-distortion evaluation: bitstreams, metrics, BD-rate, plots."""
