"""The `growing_nets` command, as a user runs it: bad input gives one clear message and a non-zero exit."""
import subprocess, sys
from pathlib import Path
import pytest

EXE = Path(sys.executable).parent / 'growing_nets'

def run(*args, **kw):
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=600, **kw)

@pytest.fixture(scope='module')
def broken_archive(tmp_path_factory):
    "A truncated gzip archive named like CIFAR-10's."
    p = tmp_path_factory.mktemp('data') / 'cifar-10-python.tar.gz'
    p.write_bytes(b'\x1f\x8b\x08\x00' + b'\x00' * 64)
    return p

@pytest.mark.parametrize('args,message', [
    (['--preset', 'huge'], "unknown preset 'huge'"),
    (['--methods', 'tiny,magic'], 'unknown method(s) magic'),
    (['--dataset', 'mnist'], "unknown dataset 'mnist'"),
    (['--preset', 'quick', '--start', '0'], 'width fraction in (0, 1]'),
    (['--preset', 'quick', '--start', '0.5', '--target', '0.25'], 'must not exceed'),
    (['--preset', 'quick', '--n-valid', '0'], '--n-valid must be ≥ 1'),
    (['--preset', 'quick', '--passes', '-1'], '--passes must be ≥ 1'),
    (['--preset', 'quick', '--max-params', '0'], '--max-params must be ≥ 1'),
    (['--device', 'tpu'], "unknown device 'tpu'"),
    (['--out', '/proc/not-writable'], 'cannot write to the output folder'),
    (['--preset', 'quick', '--data', '/nonexistent/cifar'], 'no such file or folder'),
])
def test_bad_input(args, message, tmp_path):
    r = run(*args, '--quiet', cwd=tmp_path)
    assert r.returncode != 0
    assert message in r.stderr + r.stdout
    assert 'Traceback' not in r.stderr
    assert not list(tmp_path.rglob('report.md')) and not list(tmp_path.rglob('results.csv'))

def test_corrupt_archive(broken_archive, tmp_path):
    r = run('--preset', 'quick', '--methods', 'tiny', '--data', str(broken_archive), '--quiet', '--out', str(tmp_path / 'run'))
    assert r.returncode != 0 and 'corrupt or truncated' in r.stderr
    assert not (tmp_path / 'run' / 'report.md').exists() and not (tmp_path / 'run' / 'results.csv').exists()

def test_short_run_writes_a_report(tmp_path):
    r = run('--preset', 'demo', '--methods', 'tiny,fixed', '--epochs', '4', '--quiet', '--out', str(tmp_path / 'run'))
    assert r.returncode == 0, r.stderr
    report = (tmp_path / 'run' / 'report.md').read_text()
    assert '| tiny ' in report and '| fixed ' in report
    assert 'report written to' in r.stdout
    r = run('compare', str(tmp_path / 'run'), '--out', str(tmp_path / 'cmp'))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / 'cmp' / 'comparison.csv').exists()
