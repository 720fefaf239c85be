"""Test helpers that licc shares with packages that extend it (see docs/writing-a-pass.md)."""
