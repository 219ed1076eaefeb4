"""HeadTurnNet: the yaw-conditioned U-Net behind HeadTurnGenerator."""

import pytest

torch = pytest.importorskip("torch")

from skface.nn import HEAD_TURN_OUTPUTS, HeadTurnNet, flow_warp  # noqa: E402


@pytest.mark.parametrize("output", HEAD_TURN_OUTPUTS)
@pytest.mark.parametrize("channels, size", [(3, 16), (1, 8), (3, 12)])
def test_shapes_and_range(output, channels, size):
    torch.manual_seed(0)
    net = HeadTurnNet(channels, size, width=2, n_yaw_features=4, output=output)
    out = net(torch.rand(3, channels, size, size), torch.tensor([-0.2, 0.0, 0.2]))
    assert out.shape == (3, channels, size, size)
    assert out.min() >= 0 and out.max() <= 1


def test_residual_and_flow_start_from_the_input():
    torch.manual_seed(0)
    x = torch.rand(2, 3, 16, 16)
    yaw = torch.tensor([0.2, -0.2])
    residual = HeadTurnNet(3, 16, width=4, n_yaw_features=4, output="residual")
    torch.testing.assert_close(residual(x, yaw), x)
    flow = HeadTurnNet(3, 16, width=4, n_yaw_features=4, output="flow")
    # zero flow and residual; ~5% of a grey 0.5 blended in
    assert (flow(x, yaw) - x).abs().max() < 0.05
    moved, mask = flow.flow(x, yaw)
    assert moved.shape == (2, 2, 16, 16) and torch.all(moved == 0)
    assert mask.shape == (2, 1, 16, 16) and mask.max() < 0.05


def test_the_yaw_reaches_the_output():
    torch.manual_seed(0)
    net = HeadTurnNet(3, 16, width=4, n_yaw_features=4, output="image")
    x = torch.rand(1, 3, 16, 16)
    a, b = net(x, torch.tensor([-0.2])), net(x, torch.tensor([0.2]))
    assert (a - b).abs().max() > 1e-4


def test_samples_are_independent_of_their_batch():
    # no batch statistics: frame k cannot depend on the other frames
    torch.manual_seed(0)
    net = HeadTurnNet(3, 16, width=4, n_yaw_features=4, output="flow").train()
    for p in net.head.parameters():  # make the head do something
        torch.nn.init.normal_(p, std=0.1)
    x = torch.rand(4, 3, 16, 16)
    yaw = torch.tensor([-0.2, -0.1, 0.1, 0.2])
    whole = net(x, yaw)
    for i in range(4):
        torch.testing.assert_close(net(x[i : i + 1], yaw[i : i + 1]), whole[i : i + 1])


def test_source_conditioning():
    net = HeadTurnNet(3, 16, width=2, n_yaw_features=4, condition_on_source=True)
    x = torch.rand(2, 3, 16, 16)
    with pytest.raises(ValueError, match="source yaw"):
        net(x, torch.zeros(2))
    assert net(x, torch.zeros(2), torch.zeros(2)).shape == x.shape


def test_bad_arguments():
    with pytest.raises(ValueError, match="output must be one of"):
        HeadTurnNet(3, 16, output="warp")
    with pytest.raises(ValueError, match="interpolation must be one of"):
        HeadTurnNet(3, 16, interpolation="nearest")
    with pytest.raises(ValueError, match="image_size must be even"):
        HeadTurnNet(3, 15)
    with pytest.raises(ValueError, match="at least 8"):
        HeadTurnNet(3, 6)
    with pytest.raises(ValueError, match="has no flow"):
        HeadTurnNet(3, 16, width=2, output="image").flow(
            torch.rand(1, 3, 16, 16), torch.zeros(1)
        )


def test_flow_warp_moves_pixels():
    x = torch.zeros(1, 1, 8, 8)
    x[0, 0, 3, 4] = 1.0
    torch.testing.assert_close(flow_warp(x, torch.zeros(1, 2, 8, 8)), x)
    flow = torch.zeros(1, 2, 8, 8)
    flow[:, 0] = 2 / 8  # sample one pixel to the right: content moves left
    moved = flow_warp(x, flow)
    assert moved[0, 0, 3, 3] == pytest.approx(1.0)
    assert moved[0, 0, 3, 4] == pytest.approx(0.0)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_flow_warp_modes_agree_on_whole_pixel_moves(mode):
    torch.manual_seed(0)
    x = torch.rand(1, 1, 8, 8)
    torch.testing.assert_close(flow_warp(x, torch.zeros(1, 2, 8, 8), mode=mode), x)
    flow = torch.zeros(1, 2, 8, 8)
    flow[:, 0] = 2 / 8  # one whole pixel: no interpolation needed
    moved = flow_warp(x, flow, mode=mode)
    torch.testing.assert_close(moved[..., :7], x[..., 1:])


def test_bicubic_sampling_keeps_more_detail_than_bilinear():
    # quarter-pixel shift of a checkerboard: bilinear keeps half of its
    # contrast (0.75 / 0.25), bicubic (Keys, a=-0.75) about 69%
    yy, xx = torch.meshgrid(torch.arange(16), torch.arange(16), indexing="ij")
    x = ((yy + xx) % 2).float()[None, None]
    flow = torch.zeros(1, 2, 16, 16)
    flow[:, 0] = 0.5 / 16  # a quarter of a pixel
    inner = (slice(None), slice(None), slice(2, -2), slice(2, -2))
    spread = {
        m: flow_warp(x, flow, mode=m)[inner].std() for m in ("bilinear", "bicubic")
    }
    assert spread["bilinear"] == pytest.approx(0.25, abs=0.01)
    assert spread["bicubic"] > 1.3 * spread["bilinear"]

    torch.manual_seed(0)
    a = HeadTurnNet(1, 16, width=2, n_yaw_features=4, interpolation="bilinear")
    torch.manual_seed(0)
    b = HeadTurnNet(1, 16, width=2, n_yaw_features=4, interpolation="bicubic")
    assert (a.interpolation, b.interpolation) == ("bilinear", "bicubic")
