"""The `growing_nets` command, as a user runs it: bad input gives one clear message and a non-zero exit."""
import os, subprocess, sys
from pathlib import Path
import pytest

EXE = Path(sys.executable).parent / 'growing_nets'

def run(*args, **kw):
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=300, **kw)

@pytest.mark.parametrize('args,message', [
    (['--preset', 'huge'], "unknown preset 'huge'"),
    (['--methods', 'tiny,magic'], 'unknown method(s) magic'),
    (['--device', 'tpu'], "unknown device 'tpu'"),
    (['--out', '/proc/not-writable'], 'cannot write to the output folder'),
])
def test_bad_input(args, message, tmp_path):
    r = run(*args, cwd=tmp_path)
    assert r.returncode != 0
    assert message in r.stderr + r.stdout
    assert 'Traceback' not in r.stderr
    assert not (tmp_path / 'runs').exists()

def test_short_run_writes_a_report(tmp_path):
    r = run('--methods', 'tiny,fixed', '--stages', '2', '--quiet', '--out', str(tmp_path / 'run'))
    assert r.returncode == 0, r.stderr
    report = (tmp_path / 'run' / 'report.md').read_text()
    assert '| tiny' in report or 'tiny ' in report
    assert 'report written to' in r.stdout
