# SPDX-License-Identifier: BSD-3-Clause
"""M2U-Net (Laibacher et al. 2019) as used by Octopi, written so that the
Octopi checkpoints load with strict key matching.

Parameter names follow the checkpoint: the encoder keeps MobileNetV2's block
numbering (conv2.2, conv3.4, conv4.7 ...), the decoder blocks are decode4..1.
"""
import copy

import torch
from torch import nn
import torch.nn.functional as F


def conv_bn_relu6(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU6(inplace=True))


class InvertedResidual(nn.Module):
    """MobileNetV2 block: [1x1 expand, BN, ReLU6,] 3x3 depthwise, BN, ReLU6,
    1x1 project, BN; residual add when shape is unchanged."""

    def __init__(self, cin, cout, stride, expand_ratio, hidden=None):
        super().__init__()
        if hidden is None:
            hidden = int(round(cin * expand_ratio))
        self.use_res = stride == 1 and cin == cout
        layers = []
        if expand_ratio != 1:
            layers += [nn.Conv2d(cin, hidden, 1, 1, 0, bias=False),
                       nn.BatchNorm2d(hidden), nn.ReLU6(inplace=True)]
        layers += [nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False),
                   nn.BatchNorm2d(hidden), nn.ReLU6(inplace=True),
                   nn.Conv2d(hidden, cout, 1, 1, 0, bias=False),
                   nn.BatchNorm2d(cout)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        y = self.conv(x)
        return x + y if self.use_res else y


class DecoderBlock(nn.Module):
    """Bilinear x2 upsample of the deeper map, concat [up, skip], one IR block."""

    def __init__(self, cin, cout, expand_ratio=0.15):
        super().__init__()
        self.ir1 = InvertedResidual(cin, cout, 1, expand_ratio)

    def forward(self, deep, skip):
        up = F.interpolate(deep, scale_factor=2, mode="bilinear", align_corners=False)
        return self.ir1(torch.cat([up, skip], 1))


class LastDecoderBlock(nn.Module):
    """The only full-resolution stage: [upsampled features, image] -> IR
    block -> 1x1 conv to the logit. `hidden` widens the IR block's expansion
    (Octopi's 0.15 gives 5 channels, little room to place an edge to the
    pixel; 16 costs ~13 % more multiply-adds per pixel)."""

    def __init__(self, cin, cout=1, expand_ratio=0.15, hidden=None):
        super().__init__()
        self.ir1 = InvertedResidual(cin, 16, 1, expand_ratio, hidden)
        self.conv = nn.Sequential(nn.Conv2d(16, cout, 1, 1, 0, bias=True))

    def forward(self, deep, image):
        up = F.interpolate(deep, scale_factor=2, mode="bilinear", align_corners=False)
        return self.conv(self.ir1(torch.cat([up, image], 1)))


def _stage(first_index, blocks):
    """A Sequential whose child names continue MobileNetV2's numbering."""
    seq = nn.Sequential()
    for i, blk in enumerate(blocks):
        seq.add_module(str(first_index + i), blk)
    return seq


class M2UNet(nn.Module):
    """Returns the logit; apply sigmoid for the probability."""

    def __init__(self, in_channels=1, out_channels=1, last_hidden=None):
        super().__init__()
        self.in_channels = in_channels
        self.conv1 = _stage(0, [conv_bn_relu6(in_channels, 32, 2),
                                InvertedResidual(32, 16, 1, 1)])
        self.conv2 = _stage(2, [InvertedResidual(16, 24, 2, 6),
                                InvertedResidual(24, 24, 1, 6)])
        self.conv3 = _stage(4, [InvertedResidual(24, 32, 2, 6)] +
                            [InvertedResidual(32, 32, 1, 6) for _ in range(2)])
        self.conv4 = _stage(7, [InvertedResidual(32, 64, 2, 6)] +
                            [InvertedResidual(64, 64, 1, 6) for _ in range(3)] +
                            [InvertedResidual(64, 96, 1, 6)] +
                            [InvertedResidual(96, 96, 1, 6) for _ in range(2)])
        self.decode4 = DecoderBlock(96 + 32, 64)
        self.decode3 = DecoderBlock(64 + 24, 44)
        self.decode2 = DecoderBlock(44 + 16, 30)
        self.decode1 = LastDecoderBlock(30 + in_channels, out_channels, hidden=last_hidden)

    def forward(self, x):
        c1 = self.conv1(x)
        c2 = self.conv2(c1)
        c3 = self.conv3(c2)
        c4 = self.conv4(c3)
        d4 = self.decode4(c4, c3)
        d3 = self.decode3(d4, c2)
        d2 = self.decode2(d3, c1)
        return self.decode1(d2, x)


def load_checkpoint(path, in_channels=None):
    """Builds M2U-Net for the checkpoint and loads it strictly.

    Accepts a bare state_dict or a dict holding one under 'state_dict' or
    'model' (what `fsmodel train` writes). The input channel count is read
    from conv1's weight unless given."""
    try:
        obj = torch.load(path, map_location="cpu")
    except (OSError, RuntimeError, EOFError) as ex:
        raise ValueError(f"{path}: cannot read checkpoint: {' '.join(str(ex).split())}") from None
    sd = obj
    if isinstance(obj, dict):
        for key in ("state_dict", "model"):
            if key in obj and isinstance(obj[key], dict):
                sd = obj[key]
                break
    if not isinstance(sd, dict) or "conv1.0.0.weight" not in sd:
        raise ValueError(f"{path}: not an M2U-Net checkpoint (no conv1.0.0.weight)")
    cin = sd["conv1.0.0.weight"].shape[1]
    if in_channels is not None and in_channels != cin:
        raise ValueError(f"{path}: checkpoint has {cin} input channels, expected {in_channels}")
    last_expand = sd.get("decode1.ir1.conv.0.weight")  # [hidden, cin, 1, 1]
    model = M2UNet(cin, sd["decode1.conv.0.weight"].shape[0],
                   None if last_expand is None else last_expand.shape[0])
    try:
        model.load_state_dict(sd, strict=True)
    except RuntimeError as ex:  # torch lists every key problem on its own line
        msg = " ".join(str(ex).split())
        raise ValueError(f"{path}: does not match M2U-Net ({cin} input channels): {msg}") from None
    model.eval()
    return model


def last_hidden(model):
    """Expansion width of the full-resolution IR block."""
    return model.decode1.ir1.conv[0].out_channels


def widen_last(model, hidden, seed=0):
    """Returns a copy of model whose full-resolution IR block expands to
    `hidden` channels, computing the same function (to float rounding): the new
    channels get random expand/depthwise weights but zero columns in the
    projection, so fine-tuning starts from the trained model and only
    gradients bring the new channels in."""
    old = last_hidden(model)
    if hidden < old:
        raise ValueError(f"last block has {old} hidden channels; cannot narrow it to {hidden}")
    if hidden == old:
        return copy.deepcopy(model)
    wide = M2UNet(model.in_channels, model.decode1.conv[0].out_channels, hidden)
    gen = torch.Generator().manual_seed(seed)
    src = model.state_dict()
    dst = wide.state_dict()
    for k, v in dst.items():
        s = src[k]
        if s.shape == v.shape:
            dst[k] = s.clone()
            continue
        if not k.startswith("decode1.ir1.conv."):
            raise ValueError(f"widen_last: unexpected shape change at {k}")
        new = v.clone()
        if k.endswith("weight") and v.dim() == 4 and v.shape[1] > s.shape[1]:
            new.zero_()  # projection: new input columns contribute nothing yet
            new[:, :s.shape[1]] = s
        elif v.dim() == 4:
            fan_in = v.shape[1] * v.shape[2] * v.shape[3]
            new = torch.randn(v.shape, generator=gen) * (2.0 / fan_in) ** 0.5
            new[:s.shape[0]] = s
        elif v.dim() == 1:
            new[:s.shape[0]] = s  # BN: fresh defaults beyond the old channels
        else:
            new = s.clone()  # num_batches_tracked
        dst[k] = new
    wide.load_state_dict(dst, strict=True)
    return wide
