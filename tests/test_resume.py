"""A killed CIFAR-shaped run resumes to the same result: a ResNet with BatchNorm, crop-and-flip augmentation and growth events
drawing their samples, killed right after a checkpoint, in the middle of an epoch and during a growth event; and the same for
`GrowthCallback` in a fastai script of one's own, with the package's `Checkpoint`, `load_checkpoint` and `Resume`."""
import pickle, signal, subprocess, sys, tempfile
from functools import partial
from pathlib import Path
import numpy as np, pandas as pd, pytest, torch

# One run of the experiment (what `growing_nets --resume` runs) in a process of its own, killed with SIGKILL at a chosen point.
DRIVER = r'''
import os, signal, sys
import torch
torch.set_num_threads(1)
from fastai.callback.core import Callback
import growing_nets.experiment as E
from growing_nets.callback import GrowthCallback
out, data, kill, resume = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == 'resume'
cfg = E.check_config(dict(E.PRESETS['quick'], preset='quick', policy='every', seed=3, data=data, device='cpu', n_train=384, n_valid=128,
                          epochs=4, bs=64, stat_images=192, held_images=64,
                          every=1, phase=None, passes=None, method_options=None), ['tiny'])   # a growth point after each epoch, the line search
def die(): os.kill(os.getpid(), signal.SIGKILL)
class Kill(Callback):
    order = 101                                        # after `Checkpoint` has written the epoch
    def after_epoch(self):
        if kill == 'after-checkpoint' and self.epoch == 1: die()
    def after_batch(self):
        if kill == 'mid-epoch' and self.training and self.epoch == 2 and self.iter == 2: die()
progress = GrowthCallback._progress
def progress_then_die(self, msg):                      # the growth event after epoch 2 is under way (statistics being collected)
    if kill == 'in-growth' and self.learn.epoch == 1: die()
    progress(self, msg)
GrowthCallback._progress = progress_then_die
make_learner = E.make_learner
E.make_learner = lambda *a, cbs=None, **k: make_learner(*a, cbs=[*cbs, Kill()], **k)
E.run_experiment(cfg, ['tiny'], out, show_progress=False, earlier='resume' if resume else 'overwrite')
'''

@pytest.fixture(scope='module')
def cifar_like(tmp_path_factory):
    "A CIFAR-10 folder in the real layout, with 640 + 128 images that hold a learnable signal (a class-dependent colour)."
    root = tmp_path_factory.mktemp('cifar'); d = root / 'cifar-10-batches-py'; d.mkdir()
    rng = np.random.default_rng(0)
    def batch(n):
        y = rng.integers(0, 10, n)
        x = rng.integers(0, 256, (n, 3, 32, 32)) * 0.5 + (y[:, None, None, None] * np.array([25, 12, 5])[None, :, None, None])
        return {'data': np.clip(x, 0, 255).astype(np.uint8).reshape(n, -1), 'labels': y.tolist()}
    for i in range(1, 6): (d / f'data_batch_{i}').write_bytes(pickle.dumps(batch(128)))
    (d / 'test_batch').write_bytes(pickle.dumps(batch(128)))
    return root

def drive(out, data, kill='none', resume=False) -> int:
    return subprocess.run([sys.executable, '-c', DRIVER, str(out), str(data), kill, 'resume' if resume else 'fresh'],
                          capture_output=True, text=True, timeout=600).returncode

def outcome(out:Path):
    res = pd.read_csv(out / 'results.csv')[['run', 'accuracy', 'valid_loss', 'params', 'widths', 'growth_events', 'train_gflops']]
    hist = pd.read_csv(out / 'growth_history.csv').drop(columns='seconds')
    return res, hist, pd.read_csv(out / 'metrics_tiny.csv').drop(columns='seconds')

@pytest.fixture(scope='module')
def reference(cifar_like, tmp_path_factory):
    out = tmp_path_factory.mktemp('ref')
    assert drive(out, cifar_like) == 0
    return outcome(out)

@pytest.mark.parametrize('kill', ['after-checkpoint', 'mid-epoch', 'in-growth'])
def test_killed_cifar_run_resumes_exactly(kill, cifar_like, reference, tmp_path):
    assert drive(tmp_path, cifar_like, kill) == -signal.SIGKILL                      # killed where asked
    assert (tmp_path / 'checkpoint_tiny.pth').exists() and not (tmp_path / 'results.csv').exists()
    assert drive(tmp_path, cifar_like, resume=True) == 0
    res, hist, metrics = outcome(tmp_path)
    ref_res, ref_hist, ref_metrics = reference
    assert hist.neurons_added.sum() > 0 and len(set(hist.epoch)) >= 2           # growth events before and after the kill
    pd.testing.assert_frame_equal(res, ref_res)
    pd.testing.assert_frame_equal(hist, ref_hist)
    pd.testing.assert_frame_equal(metrics, ref_metrics)

def fit_interrupted_and_resumed(learner, fit, at=(2, 3)):
    "The fit of `learner()` never interrupted, and one interrupted at (epoch, iteration) `at` then resumed in a learner built afresh, as a new process would."
    import fastai.callback.progress  # noqa: adds `Learner.no_bar`
    from fastai.callback.core import Callback
    from growing_nets.checkpoint import Checkpoint, Resume, load_checkpoint
    class Interrupt(Callback):
        def after_batch(self):
            if self.training and (self.epoch, self.iter) == at: raise KeyboardInterrupt
    def quiet(learn, cbs):
        with learn.no_bar(), learn.no_logging(): fit(learn, cbs)
    with tempfile.TemporaryDirectory() as d:
        ck = Path(d) / 'ck.pth'
        ref = learner(); quiet(ref, [Checkpoint(Path(d) / 'ref.pth')])
        learn = learner()
        with pytest.raises(KeyboardInterrupt): quiet(learn, [Checkpoint(ck), Interrupt()])
        learn = learner(); quiet(learn, [Resume(load_checkpoint(learn, ck)), Checkpoint(ck)])
    assert ref.growth.history.neurons_added.sum() > 0 and [p.width for p in ref.model.pairs()] == [p.width for p in learn.model.pairs()]
    for (n, p), q in zip(ref.model.state_dict().items(), learn.model.state_dict().values()): assert torch.equal(p, q), n
    assert ref.recorder.values == learn.recorder.values
    pd.testing.assert_frame_equal(learn.growth.history.drop(columns='seconds'), ref.growth.history.drop(columns='seconds'))

def resnet_script_learner(**growth):
    "A learner of one's own fastai script: a grown ResNet with BatchNorm on crop-and-flipped images, built afresh at each call; `growth`: options of `GrowthCallback`."
    from fastai.data.core import DataLoaders, TfmdDL
    from fastai.learner import Learner
    from fastai.losses import CrossEntropyLossFlat
    from fastai.optimizer import SGD
    from growing_nets import seed_everything, resnet18_grow, GrowthCallback, TINY
    from growing_nets.data import TensorData, CropFlip
    from growing_nets.test_utils import synth_images
    x, y = synth_images(320, size=16, n_classes=10, seed=1)
    seed_everything(0)
    dls = DataLoaders(TfmdDL(TensorData(x[:256], y[:256]), bs=32, shuffle=True, drop_last=True, after_batch=[CropFlip(2)]),
                      TfmdDL(TensorData(x[256:], y[256:]), bs=64))
    grow = GrowthCallback(TINY(), **growth, stat_images=96, held_images=32)
    return Learner(dls, resnet18_grow(interior=1/64, stream=1/16), loss_func=CrossEntropyLossFlat(), opt_func=partial(SGD, mom=0.9), cbs=grow)

def test_fastai_script_resumes_exactly():
    "`GrowthCallback` in one's own fastai script, interrupted and resumed in a learner built afresh."
    import fastai.callback.schedule  # noqa: adds `fit_one_cycle`
    from growing_nets import EveryPair
    fit_interrupted_and_resumed(lambda: resnet_script_learner(policy=EveryPair(every=1, neurons=3)), lambda learn, cbs: learn.fit_one_cycle(4, 0.05, cbs=cbs))

def test_recent_batches_resume_exactly():
    "Growth from the recent training batches (`stat_images=None`), at points inside epochs: resumed at an epoch's start, the fit ends as the one never interrupted."
    from fastai.optimizer import SGD
    from growing_nets import GrowthCallback, TINY, EveryPair, GrowingMLP, seed_everything
    from growing_nets.test_utils import synth_learner
    def learner():
        seed_everything(0)
        cb = GrowthCallback(TINY(), EveryPair(every=0.5, start=0.1, neurons=2), stat_images=None, stat_batches=2, held_batches=1)
        return synth_learner(GrowingMLP(8, [2], 2), opt_func=partial(SGD, mom=0.9), cbs=cb)
    fit_interrupted_and_resumed(learner, lambda learn, cbs: learn.fit(4, 0.02, cbs=cbs))

def test_statistics_from_steps_resume_exactly():
    "Statistics from the training steps on sampled positions (`stats_from='steps'`, `positions`), at points inside epochs and at their ends: resumed, the fit ends as the one never interrupted."
    from growing_nets import EveryPair
    learner = lambda: resnet_script_learner(policy=EveryPair(every=0.5, neurons=2), stats_from='steps', positions=8)
    fit_interrupted_and_resumed(learner, lambda learn, cbs: learn.fit(4, 0.05, cbs=cbs))
