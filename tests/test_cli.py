"""The `growing_nets` command, as a user runs it: bad input gives one clear message and a non-zero exit."""
import signal, subprocess, sys, time
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
    (['--bs', '0'], '--bs must be ≥ 1'),
    (['--lr', '-1'], '--lr must be a positive number'),
    (['--preset', 'demo', '--epochs', '2'], 'no growth point before the last epoch'),
    (['--nproc', '0'], '--nproc must be ≥ 1'),
    (['--preset', 'quick', '--every', '0'], '--every is a number of epochs > 0'),
    (['--preset', 'quick', '--every', '0.5', '--phase', '0.4'], 'no growth point inside the growth phase'),
    (['--preset', 'quick', '--phase', '9'], '--phase is a number of epochs in (0, --epochs]'),
    (['--preset', 'quick', '--budget-by', 'lambda'], '--budget-by must be one of gain, gain_per_param'),
])
def test_bad_input(args, message, tmp_path):
    r = run(*args, '--quiet', cwd=tmp_path)
    assert r.returncode != 0
    assert message in r.stderr + r.stdout
    assert 'Traceback' not in r.stderr
    assert not list(tmp_path.rglob('report.md')) and not list(tmp_path.rglob('results.csv'))

def test_data_checked_before_anything_is_written(tmp_path):
    r = run('--preset', 'quick', '--data', '/nonexistent/cifar', '--out', str(tmp_path / 'run'), '--quiet')
    assert r.returncode != 0 and 'no such file or folder' in r.stderr
    assert not (tmp_path / 'run').exists()

def test_version_and_help():
    from growing_nets import __version__
    r = run('--version')
    assert r.returncode == 0 and r.stdout.strip() == f'growing_nets {__version__}'
    r = run('--help')
    assert r.returncode == 0 and 'growing_nets compare RUN_DIR' in r.stdout and '--version' in r.stdout

def test_values_keep_their_hyphens(tmp_path):
    r = run('--preset', 'demo', '--methods', 'fixed', '--epochs', '1', '--quiet', f'--out={tmp_path}/my-run')
    assert r.returncode == 0, r.stderr
    assert (tmp_path / 'my-run' / 'report.md').exists() and not (tmp_path / 'my_run').exists()

def test_ctrl_c_ends_in_one_line(tmp_path):
    p = subprocess.Popen([str(EXE), '--preset', 'demo', '--methods', 'fixed,tiny', '--epochs', '400', '--quiet', '--out', str(tmp_path / 'run')],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    t0 = time.time()
    while not (tmp_path / 'run' / 'config.json').exists() and time.time() - t0 < 120: time.sleep(0.2)
    time.sleep(2)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode != 0
    assert err.strip().startswith('error: interrupted:') and 'keeps config.json' in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / 'run' / 'report.md').exists()

def test_killed_run_resumes_exactly(tmp_path):
    "A run killed (SIGKILL) in the middle of its second method resumes, and ends as the same run never interrupted."
    import pandas as pd
    args = ['--preset', 'demo', '--methods', 'random,tiny', '--epochs', '5', '--every', '1', '--quiet']
    assert run(*args, '--out', str(tmp_path / 'ref')).returncode == 0
    p = subprocess.Popen([str(EXE), *args, '--out', str(tmp_path / 'run')], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ck, t0 = tmp_path / 'run' / 'checkpoint_tiny.pth', time.time()
    while not ck.exists() and p.poll() is None and time.time() - t0 < 300: time.sleep(0.05)
    p.kill(); p.wait()
    assert ck.exists() and not (tmp_path / 'run' / 'results.csv').exists(), 'the run was not killed in the middle of its second method'
    r = run(*args, '--out', str(tmp_path / 'run'))                     # the folder holds a run: nothing is deleted without being asked
    assert r.returncode != 0 and '--resume continues it' in r.stderr and ck.exists()
    r = run(*args[:-1], '--epochs', '6', '--quiet', '--out', str(tmp_path / 'run'), '--resume')   # other settings: refused
    assert r.returncode != 0 and 'other settings' in r.stderr
    r = run(*args, '--out', str(tmp_path / 'run'), '--resume')
    assert r.returncode == 0, r.stderr
    assert 'random: finished before' in r.stdout
    cols = ['run', 'accuracy', 'valid_loss', 'params', 'widths', 'growth_events', 'train_gflops']
    a, b = (pd.read_csv(tmp_path / d / 'results.csv')[cols] for d in ('ref', 'run'))
    pd.testing.assert_frame_equal(a, b)
    a, b = (pd.read_csv(tmp_path / d / 'growth_history.csv').drop(columns='seconds') for d in ('ref', 'run'))
    pd.testing.assert_frame_equal(a, b)

def test_corrupt_archive(broken_archive, tmp_path):
    r = run('--preset', 'quick', '--methods', 'tiny', '--data', str(broken_archive), '--quiet', '--out', str(tmp_path / 'run'))
    assert r.returncode != 0 and 'corrupt or truncated' in r.stderr
    assert not (tmp_path / 'run' / 'report.md').exists() and not (tmp_path / 'run' / 'results.csv').exists()

def test_short_run_writes_a_report(tmp_path):
    r = run('--preset', 'demo', '--methods', 'tiny,fixed', '--epochs', '4', '--out', str(tmp_path / 'run'))
    assert r.returncode == 0, r.stderr
    first = r.stdout.splitlines()[0]                                  # what will run, and where the report goes
    assert first.startswith('growing_nets ') and 'tiny, fixed' in first and f"report: {tmp_path / 'run' / 'report.md'}" in first
    assert 'growth (tiny) after epoch 2' in r.stdout                   # one line per growth event
    report = (tmp_path / 'run' / 'report.md').read_text()
    assert '| tiny ' in report and '| fixed ' in report and "one seed's numbers" in report
    assert 'report written to' in r.stdout
    r = run('compare', str(tmp_path / 'run'), '--out', str(tmp_path / 'cmp'))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / 'cmp' / 'comparison.csv').exists()
    assert run('--preset', 'demo', '--methods', 'fixed', '--epochs', '3', '--quiet', '--out', str(tmp_path / 'other')).returncode == 0
    r = run('compare', str(tmp_path / 'run'), str(tmp_path / 'other'), '--out', str(tmp_path / 'cmp2'))
    assert r.returncode != 0 and 'different configurations (epochs: 3, 4' in r.stderr and 'Traceback' not in r.stderr
    r = run('compare', str(tmp_path / 'run'), str(tmp_path / 'other'), '--out', str(tmp_path / 'cmp2'), '--force')
    assert r.returncode == 0, r.stderr


def test_two_processes(tmp_path):
    "`--nproc 2`: one run trained by two processes of a gloo group; rank 0 alone writes the folder, and the effective batch is recorded."
    import json, pandas as pd
    r = run('--preset', 'demo', '--methods', 'tiny,fixed', '--epochs', '3', '--every', '1', '--nproc', '2', '--quiet', '--out', str(tmp_path / 'r'))
    assert r.returncode == 0, r.stderr[-2000:]
    assert '2 processes, batch 64 each' in r.stdout
    res = pd.read_csv(tmp_path / 'r' / 'results.csv')
    assert list(res.run) == ['tiny', 'fixed'] and res.accuracy.min() > 0.5        # trained: digits are learnt, one row per run
    assert json.loads((tmp_path / 'r' / 'config.json').read_text())['nproc'] == 2
    hist = pd.read_csv(tmp_path / 'r' / 'growth_history.csv')
    assert len(hist) > 0 and not hist.duplicated(['epoch', 'iter', 'pair']).any()  # one process's records, not two


def spawned_workers(pid:int) -> list[int]:
    "Process ids of the workers `torch.multiprocessing.spawn` started under `pid` (its resource tracker left out)."
    found = []
    for d in Path('/proc').iterdir():
        try:
            if d.name.isdigit() and int((d / 'stat').read_text().rsplit(')', 1)[1].split()[1]) == pid \
               and b'spawn_main' in (d / 'cmdline').read_bytes(): found.append(int(d.name))
        except (OSError, ValueError, IndexError): pass                       # a process that ended meanwhile
    return sorted(found)

def test_a_killed_process_ends_in_one_line(tmp_path):
    "`--nproc 2` with one worker killed by SIGKILL (as by the out-of-memory killer): the others stop, and one line says so."
    import os
    p = subprocess.Popen([str(EXE), '--preset', 'demo', '--methods', 'tiny', '--epochs', '400', '--nproc', '2', '--quiet', '--out', str(tmp_path / 'r')],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline, workers = time.time() + 120, []
    while len(workers) < 2 and time.time() < deadline and p.poll() is None: workers = spawned_workers(p.pid); time.sleep(0.2)
    assert len(workers) == 2, "the two workers did not start"
    time.sleep(5)                                                            # the group formed, training under way (400 epochs: minutes)
    assert p.poll() is None, "the run ended before a worker could be killed"
    os.kill(workers[-1], signal.SIGKILL)
    out, err = p.communicate(timeout=300)
    assert p.returncode != 0 and 'Traceback' not in err, err[-2000:]
    assert err.strip().splitlines()[-1].startswith('error: a process failed, the others were stopped: process 1 terminated with signal SIGKILL'), err[-2000:]
    assert not spawned_workers(p.pid)
