"""FaceInpainter: adversarial training, the transform contract, persistence."""

import copy
import pickle

import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator
from skorch.callbacks import Callback

from skface.datasets import make_synthetic_faces
from skface.metrics import seam_score
from skface.nn import ChannelwiseFC, ContextDiscriminator, ContextEncoder
from skface.restoration import FaceInpainter
from skface.restoration._face_inpainter import _InpainterNet
from skface.restoration.masks import CenterSquare, MixedMasks, RandomRectangles
from skface.utils import check_images

FACES = make_synthetic_faces(24, size=32, n_identities=4, random_state=0).images
GREY = FACES.mean(axis=-1).astype(np.uint8)
HOLE = np.zeros((32, 32), dtype=bool)
HOLE[10:22, 8:24] = True
TINY = dict(image_size=32, width=4, batch_size=8, max_epochs=2, random_state=0)


def _state(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


class _InitialWeights(Callback):
    """Keeps both networks' weights as they were before the first batch."""

    def on_train_begin(self, net, **kwargs):
        self.generator = _state(net.generator_)
        self.discriminator = _state(net.discriminator_)


class _RecordingMasks(BaseEstimator):
    """A mask generator that logs every batch of holes it hands out."""

    calls: list = []

    def __init__(self, random_state=None):
        self.random_state = random_state

    def generate(self, X, *, landmarks=None, random_state=None):
        masks = RandomRectangles().generate(X, random_state=random_state)
        _RecordingMasks.calls.append(masks)
        return masks


def test_modules_shapes_and_bottlenecks():
    x = torch.rand(2, 4, 32, 32)
    for bottleneck, skip in (("channelwise", False), ("plain", False), ("plain", True)):
        gen = ContextEncoder(3, 32, width=4, bottleneck=bottleneck, skip=skip)
        out = gen(x).detach()
        assert out.shape == (2, 3, 32, 32)
        assert 0 <= float(out.min()) and float(out.max()) <= 1
    assert ContextDiscriminator(3, 32, width=4)(x[:, :3]).shape == (2,)
    # channel-wise FC: no mixing between channels before the 1x1 convolution
    fc = ChannelwiseFC(2, 4)
    assert fc.weight.shape == (2, 16, 16)
    with pytest.raises(ValueError, match="multiple of 16"):
        ContextEncoder(3, 40)
    with pytest.raises(ValueError, match="bottleneck"):
        ContextEncoder(3, 32, bottleneck="dense")


def test_generator_ignores_the_hole_content():
    gen = ContextEncoder(1, 32, width=4).eval()
    img = torch.rand(1, 1, 32, 32)
    hole = torch.zeros(1, 1, 32, 32)
    hole[..., 8:20, 8:20] = 1
    other = torch.where(hole.bool(), torch.rand_like(img), img)
    with torch.no_grad():
        a = gen(torch.cat([img, hole], 1))
        b = gen(torch.cat([other, hole], 1))
    torch.testing.assert_close(a, b)


def test_alternating_adversarial_training(monkeypatch):
    order = []
    step = _InpainterNet.step_module

    def spy(self, name, loss, batch=None):
        order.append(name)
        return step(self, name, loss, batch)

    monkeypatch.setattr(_InpainterNet, "step_module", spy)
    init = _InitialWeights()
    inp = FaceInpainter(**TINY, callbacks=[init], lr_schedule="constant").fit(FACES)
    # one discriminator update, then one generator update, on every batch
    assert order == ["discriminator", "generator"] * 6  # 2 epochs x 3 batches
    h = inp.history_
    for key in ("reconstruction_loss", "adversarial_loss", "discriminator_loss"):
        assert len(h[:, key]) == 2 and np.all(np.isfinite(h[:, key])), key
        assert len(h[-1, "batches", :, key]) == 3
    assert h[:, "train_loss"] == h[:, "reconstruction_loss"]
    # both networks moved
    net = inp.net_
    for before, module in (
        (init.generator, net.generator_),
        (init.discriminator, net.discriminator_),
    ):
        after = module.state_dict()
        changed = [not torch.equal(before[k], after[k]) for k in before]
        assert all(changed)
    # separate optimizers, each over its own network's parameters only
    g_ids = {id(p) for g in net.generator_optimizer_.param_groups for p in g["params"]}
    d_ids = {
        id(p) for g in net.discriminator_optimizer_.param_groups for p in g["params"]
    }
    assert g_ids == {id(p) for p in net.generator_.parameters()}
    assert d_ids == {id(p) for p in net.discriminator_.parameters()}
    assert not g_ids & d_ids
    assert net.generator_optimizer_.param_groups[0]["lr"] == inp.lr
    assert net.discriminator_optimizer_.param_groups[0]["lr"] == inp.lr_discriminator


def _params(module):
    return {k: v.detach().clone() for k, v in module.named_parameters()}


def test_each_optimizer_moves_its_own_network_only():
    net = FaceInpainter(**TINY).fit(FACES).net_
    x = torch.rand(4, 4, 32, 32)
    for name, other in (("generator", "discriminator"), ("discriminator", "generator")):
        mine, theirs = getattr(net, name + "_"), getattr(net, other + "_")
        mine_before, theirs_before = _params(mine), _params(theirs)
        # the loss flows through both networks; only `name` may change
        loss = net.discriminator_(net.generator_(x)).mean()
        net.step_module(name, loss)
        assert all(torch.equal(theirs_before[k], v) for k, v in _params(theirs).items())
        assert any(not torch.equal(mine_before[k], v) for k, v in _params(mine).items())


def test_adversarial_weight_zero_trains_generator_only():
    init = _InitialWeights()
    inp = FaceInpainter(**TINY, adversarial_weight=0, callbacks=[init]).fit(FACES)
    h = inp.history_
    assert np.all(np.isfinite(h[:, "reconstruction_loss"]))
    assert "discriminator_loss" not in h[-1] and "adversarial_loss" not in h[-1]
    after = inp.net_.discriminator_.state_dict()
    assert all(torch.equal(init.discriminator[k], after[k]) for k in after)


def test_cosine_schedule_and_skip_connections():
    inp = FaceInpainter(**TINY, skip_connections=True).fit(FACES)
    assert inp.net_.generator_.skip
    # the second of two epochs ran at half the learning rates
    g_group = inp.net_.generator_optimizer_.param_groups[0]
    d_group = inp.net_.discriminator_optimizer_.param_groups[0]
    assert g_group["lr"] == pytest.approx(0.5 * inp.lr)
    assert d_group["lr"] == pytest.approx(0.5 * inp.lr_discriminator)


def test_fresh_seeded_training_masks_per_batch():
    _RecordingMasks.calls.clear()
    FaceInpainter(**TINY, masks=_RecordingMasks()).fit(FACES)
    first = list(_RecordingMasks.calls)
    assert len(first) == 6 and all(m.shape == (8, 32, 32) for m in first)
    assert len({m.tobytes() for m in first}) == 6  # a new draw every batch
    _RecordingMasks.calls.clear()
    FaceInpainter(**TINY, masks=_RecordingMasks()).fit(FACES)
    assert all(np.array_equal(a, b) for a, b in zip(first, _RecordingMasks.calls))


@pytest.fixture(scope="module")
def fitted():
    return FaceInpainter(**TINY).fit(FACES)


@pytest.mark.parametrize("blend", ["none", "feather", "poisson"])
def test_known_pixels_exact_and_hole_content_unused(fitted, blend):
    inp = pickle.loads(pickle.dumps(fitted)).set_params(blend=blend)
    # any size: 48x40 images are resized for the network and back
    X = np.stack([np.pad(f, ((8, 8), (4, 4), (0, 0)), mode="edge") for f in FACES])
    hole = np.zeros(X.shape[1:3], dtype=bool)
    hole[14:30, 10:30] = True
    for images, size in ((FACES[:5], HOLE), (X[:5], hole)):
        out = inp.transform(images, masks=size)
        ref = check_images(images, dtype="float32")
        assert out.shape == ref.shape and out.dtype == np.float32
        np.testing.assert_array_equal(out[:, ~size], ref[:, ~size])
        assert not np.allclose(out[:, size], ref[:, size])
        # what lies under the hole never reaches the output
        noisy = images.copy()
        noisy[:, size] = np.random.RandomState(0).randint(0, 256, noisy[:, size].shape)
        np.testing.assert_allclose(inp.transform(noisy, masks=size), out, atol=1e-6)


@pytest.mark.parametrize("blend", ["feather", "poisson"])
def test_blending_changes_only_the_hole_and_removes_the_seam(fitted, blend):
    dark = (FACES[:8] * 0.6).astype(np.uint8)  # the fill comes out too bright
    model = copy.deepcopy(fitted)  # the fixture is shared: leave it as it is
    pasted = model.set_params(blend="none").transform(dark, masks=HOLE)
    blended = model.set_params(blend=blend).transform(dark, masks=HOLE)
    np.testing.assert_array_equal(pasted[:, ~HOLE], blended[:, ~HOLE])
    holes = np.broadcast_to(HOLE, (8, 32, 32))
    assert seam_score(blended, holes) < seam_score(pasted, holes) - 0.01


def test_score_is_masked_psnr_and_training_helps():
    # blend='none' scores the network's own fill (Poisson blending alone
    # already does well on these flat drawn faces)
    untrained = FaceInpainter(**TINY, blend="none").set_params(max_epochs=1)
    untrained.fit(FACES)
    trained = FaceInpainter(**TINY, blend="none", lr=3e-3)
    trained.set_params(max_epochs=20, width=8)
    trained.fit(FACES)
    s0, s1 = untrained.score(FACES, masks=HOLE), trained.score(FACES, masks=HOLE)
    assert np.isfinite(s0) and s1 > s0 + 2.5  # about 15.4 -> 19.6 dB


def test_deterministic_with_an_int_seed(fitted):
    again = FaceInpainter(**TINY).fit(FACES)
    np.testing.assert_array_equal(
        again.transform(FACES, masks=HOLE), fitted.transform(FACES, masks=HOLE)
    )
    assert (
        again.history_[:, "discriminator_loss"]
        == (fitted.history_[:, "discriminator_loss"])
    )
    # masks drawn by transform come from random_state too
    np.testing.assert_array_equal(again.transform(FACES), fitted.transform(FACES))
    other = FaceInpainter(**{**TINY, "random_state": 1}).fit(FACES)
    assert not np.array_equal(
        other.transform(FACES, masks=HOLE), fitted.transform(FACES, masks=HOLE)
    )


def test_save_load_and_pickle_round_trip(fitted, tmp_path):
    expected = fitted.transform(FACES, masks=HOLE)
    fitted.save(tmp_path / "inp.safetensors")
    loaded = FaceInpainter.load(tmp_path / "inp.safetensors")
    np.testing.assert_array_equal(loaded.transform(FACES, masks=HOLE), expected)
    assert loaded.n_channels_ == 3 and loaded.get_params() == fitted.get_params()
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.transform(FACES, masks=HOLE), expected)
    # mask generators (nested ones too) are saved as class + parameters
    gens = MixedMasks([CenterSquare(size=9), RandomRectangles(random_state=3)])
    custom = FaceInpainter(**{**TINY, "max_epochs": 1}, masks=gens)
    custom.fit(FACES)
    custom.save(tmp_path / "custom.safetensors")
    back = FaceInpainter.load(tmp_path / "custom.safetensors")
    assert repr(back.masks) == repr(gens)
    assert back.masks is not gens
    np.testing.assert_array_equal(
        back.transform(FACES, masks=HOLE), custom.transform(FACES, masks=HOLE)
    )
    np.testing.assert_array_equal(back.transform(FACES), custom.transform(FACES))


def test_saved_parameter_objects_are_allow_listed(tmp_path):
    import json

    from safetensors import safe_open
    from safetensors.torch import save_file

    custom = FaceInpainter(**{**TINY, "max_epochs": 1}, masks=CenterSquare())
    custom.fit(FACES)
    path = tmp_path / "inp.safetensors"
    custom.save(path)
    with safe_open(str(path), framework="pt") as f:
        meta = dict(f.metadata())
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    params = json.loads(meta["params"])
    params["masks"]["__param_object__"] = "os.system"
    meta["params"] = json.dumps(params)
    save_file(tensors, str(path), metadata=meta)
    with pytest.raises((TypeError, ValueError), match="os.system"):
        FaceInpainter.load(path)


def test_grey_and_rgb(fitted):
    grey = FaceInpainter(**{**TINY, "bottleneck": "plain"}).fit(GREY)
    assert grey.n_channels_ == 1
    out = grey.transform(GREY[:3], masks=HOLE)
    assert out.shape == (3, 32, 32)
    np.testing.assert_array_equal(out[:, ~HOLE], GREY[:3, ~HOLE] / np.float32(255))
    # a grey model fills RGB images and an RGB model grey ones
    assert grey.transform(FACES[:2], masks=HOLE).shape == (2, 32, 32, 3)
    assert fitted.transform(GREY[:2], masks=HOLE).shape == (2, 32, 32)
    # variable-size lists come back as lists
    mixed = [FACES[0], np.pad(FACES[1], ((0, 16), (0, 0), (0, 0)))]
    holes = [HOLE, np.pad(HOLE, ((0, 16), (0, 0)))]
    out = fitted.transform(mixed, masks=holes)
    assert isinstance(out, list) and out[1].shape == (48, 32, 3)


def test_fit_with_given_masks_and_l1():
    holes = CenterSquare().generate(FACES)
    inp = FaceInpainter(**TINY, loss="l1").fit(FACES, masks=holes)
    assert np.all(np.isfinite(inp.history_[:, "reconstruction_loss"]))
    assert inp.transform(FACES[:2], masks=HOLE).shape == (2, 32, 32, 3)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"bottleneck": "dense"}, "bottleneck"),
        ({"loss": "l2"}, "loss"),
        ({"adversarial_weight": -1.0}, "adversarial_weight"),
        ({"image_size": 40}, "multiple of 16"),
        ({"masks": "center"}, "masks"),
    ],
)
def test_bad_parameters_raise(params, match):
    with pytest.raises(ValueError, match=match):
        FaceInpainter(**{**TINY, **params}).fit(FACES[:4])
