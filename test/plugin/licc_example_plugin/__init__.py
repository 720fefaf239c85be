"""An example third-party licc pass package (see docs/writing-a-pass.md)."""
