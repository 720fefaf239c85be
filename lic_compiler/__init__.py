"""licc: compile learned-image-compression models into dataflow FPGA accelerators."""

__version__ = "0.1.0"
