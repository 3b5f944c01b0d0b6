"""Bad settings and unusual inputs get a one-line error when they are given, or work; never a failure in the middle of training."""
import pytest, torch
import fastai.callback.progress  # noqa: adds `Learner.no_bar`
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from growing_nets import TINY, GradMax, RandomGrowth, EveryPair, GrowthCallback, LayerPair, grow_network, grow_step, GrowingMLP
from growing_nets.test_utils import synth_regression, synth_learner

def mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 2), nn.ReLU(), nn.Linear(2, 2))

@pytest.mark.parametrize('make,message', [
    (lambda: EveryPair(max_width=-3), 'max_width must be ≥ 1'),
    (lambda: EveryPair(max_width=0), 'max_width must be ≥ 1'),
    (lambda: EveryPair(max_width={'a': 0}), 'max_width must be ≥ 1'),
    (lambda: TINY(rel_threshold=-1), 'rel_threshold is a fraction of λ₁'),
    (lambda: TINY(abs_threshold=-0.1), 'abs_threshold must be ≥ 0'),
    (lambda: GradMax(rel_threshold=2), 'rel_threshold is a fraction of λ₁'),
    (lambda: RandomGrowth(n_neurons=0), 'n_neurons must be ≥ 1'),
])
def test_bad_settings_refused_when_given(make, message):
    with pytest.raises(ValueError, match=message): make()

def test_negative_neuron_counts():
    m, (x, y) = mlp(), synth_regression(200, d_in=8, d_out=2)
    pair = LayerPair(m[0], m[2], name='h')
    with pytest.raises(ValueError, match='max_neurons must be ≥ 0'): grow_network(m, [pair], TINY(), nn.MSELoss(), [(x, y)], [(x, y)], max_neurons=-2)
    with pytest.raises(ValueError, match='room'): grow_step(m, [pair], TINY(), nn.MSELoss(), [(x, y)], [(x, y)], room=[-1])

def test_tuples_instead_of_pairs_refused_at_construction():
    m = mlp()
    with pytest.raises(TypeError, match='pairs must be LayerPair objects.*tuple'): GrowthCallback(TINY(), pairs=[(m[0], m[2])])
    learn = synth_learner(m, cbs=GrowthCallback(TINY(), pairs=lambda model: [(model[0], model[2])]))
    with pytest.raises(TypeError, match='pairs must be LayerPair objects'):
        with learn.no_bar(), learn.no_logging(): learn.fit(2)
    assert m[0].out_features == 2                                  # refused before the first batch: the model as it was

def test_a_dataloader_as_held_batches():
    m, (x, y) = mlp(), synth_regression(300, d_in=8, d_out=2)
    held = DataLoader(TensorDataset(x[200:], y[200:]), batch_size=50)
    recs = grow_network(m, [LayerPair(m[0], m[2], name='h')], TINY(), nn.MSELoss(), DataLoader(TensorDataset(x[:200], y[:200]), batch_size=100), held, max_neurons=2)
    assert len(recs) == 1 and recs[0]['loss_before'] > 0

def test_empty_training_loader_said():
    learn = synth_learner(GrowingMLP(8, [1], 2), n=40, bs=64, cbs=GrowthCallback(TINY()))
    learn.dls.train.drop_last = True                               # 32 training items, batches of 64: no batch at all
    with pytest.raises(ValueError, match='training DataLoader is empty'):
        with learn.no_bar(), learn.no_logging(): learn.fit(2)

def test_frozen_layer_said():
    m, (x, y) = mlp(), synth_regression(200, d_in=8, d_out=2)
    m[0].requires_grad_(False)
    ev = grow_step(m, [LayerPair(m[0], m[2], name='h')], TINY(), nn.MSELoss(), [(x, y)], [(x, y)], room=[2])
    assert ev['records'] == [] and 'frozen' in ev['skips'][0]['reason'] and 'first' in ev['skips'][0]['reason'], ev['skips']

def test_too_few_samples_said():
    "A pair whose statistics have fewer rows than dimensions and no neuron: the skip says so, with the number of images to ask for."
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(64, 4), nn.ReLU(), nn.Linear(4, 2))
    x, y = torch.randn(16, 64), torch.randn(16, 2)
    ev = grow_step(m, [LayerPair(m[0], m[2], name='wide')], TINY(abs_threshold=1e3), nn.MSELoss(), [(x, y)], [(x, y)], room=[2])
    [skip] = ev['skips']
    assert ev['records'] == [] and 'rank 16 for 65 dimensions' in skip['reason'] and 'ask for at least 65 statistics images' in skip['reason'], skip
