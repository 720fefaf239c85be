"""`run_program`, the console scripts' process: exit codes as `sys.exit` gives them, all output written."""

import subprocess
import sys

import pytest

SCRIPT = """
import sys, click
from lic_compiler.cli.common import run_program

@click.command()
@click.argument("code")
def main(code):
    for i in range(20000):  # more than a pipe's buffer: all of it must arrive
        click.echo(f"line {i}")
    click.echo("to stderr", err=True)
    if code != "none":
        sys.exit(int(code) if code.isdigit() else code)

run_program(main)
"""


@pytest.mark.parametrize(("code", "rc", "stderr"), [
    ("none", 0, "to stderr\n"),
    ("0", 0, "to stderr\n"),
    ("2", 2, "to stderr\n"),
    ("a message", 1, "to stderr\na message\n"),
])
def test_exit_code_and_output(code, rc, stderr):
    out = subprocess.run([sys.executable, "-c", SCRIPT, code], capture_output=True, text=True, timeout=60)
    assert out.returncode == rc
    assert out.stdout.splitlines() == [f"line {i}" for i in range(20000)]
    assert out.stderr == stderr


def test_a_bad_option_is_click_usage_error_rc_2():
    out = subprocess.run([sys.executable, "-c", SCRIPT, "--bogus"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "No such option" in out.stderr
