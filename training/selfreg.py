"""Self-Regulation losses for the segmodels networks (training only).

Zhang, Zhang, Tang, Hua, Sun, "Self-Regulation for Semantic Segmentation", ICCV 2021, arXiv 2108.09702.

Exits. Each network is cut into blocks, `EXITS[name]`: submodule names, shallow to deep, whose outputs
forward hooks catch, so `forward()` and its ONNX export stay exactly as they are and the exported
state_dict holds no extra tensors. The deepest block is the feature map the network's own classifier
reads; its exit is the network's output. Every shallower block gets an auxiliary exit, a 1x1 conv to
class logits (the paper's multi-exit heads are deeper convs; 1x1 keeps them cheap).

With B_i the block features, Z_i the exit logits bilinearly upsampled to the label size (Z_N = the
network output), y the label (255 = ignore), P_i a 1x1 conv from block i's channels to block 1's,
softmax over channels at each position j, tau the temperature (default 1):

  CE   = CE(Z_N, y)                                                      the ordinary loss
  MEA  = sum_{i<N} CE(Z_i, y) + sum_{i<=N} BCE(fc_i(GAP(Z_i)), present(y))
  SR-F = sum_{i=2..N} mean_j H(softmax(B_1[j] / tau), softmax(up(P_i(B_i))[j] / tau))
  SR-L = sum_{i<N}    mean_j H(softmax(Z_N[j] / tau), softmax(Z_i[j] / tau))
  total = CE + lambda3 * MEA + lambda1 * SR-F + lambda2 * SR-L,   lambda1 = 0.2, lambda2 = 0.8, lambda3 = 1

H(t, s) = -sum_c t_c log s_c is the cross-entropy, its teacher t detached (gradients as for KL(t || s),
the value includes the teacher's entropy, so SR-F / SR-L do not fall to zero). Choices made where
the paper leaves room:

- MEA's image-level term: present(y)_c = 1 when class c labels any pixel of the crop; the global
  average of an exit's logits goes through a per-exit Linear(C, C) before the sigmoid / BCE, as in the
  authors' code (a raw logit average is pulled negative by the pixel loss for small objects).
  It is applied to the main output as well; its pixel CE is not repeated (it is CE).
- SR-F (shallow teacher, feature level): the student is projected to the teacher's channel count and
  resized to the teacher's (finer) spatial size, then compared per position. Teacher = block 1,
  students = blocks 2..N.
- SR-L (deep teacher, logit level): teacher = the main output at temperature tau, students = the
  auxiliary exits, at the label size over all pixels (ignored ones too: no label is needed). No
  tau^2 factor.
- Auxiliary pixel CE uses the same (class-weighted) criterion as the main CE.
"""
import torch
from torch import nn
import torch.nn.functional as F

from training.segmodels.common import upsample_to

_FCN = ("block1", "block2", "block3", "block4", "block5", "fc7")
_DEEPLAB = ("stage1", "stage2", "stage3", "stage4", "stage5", "fc7")
# RefineNet-lite: the encoder's four tapped stages (1/4 .. 1/32), then the decoder's four levels
# (1/32 .. 1/4; the last is what the classifier reads)
_REFINENET = ("encoder.stages.1", "encoder.stages.2", "encoder.stages.4", "encoder.stages.6",
              "crp.0", "crp.1", "crp.2", "crp.3")
EXITS = {
    "deeplab_lite": _DEEPLAB,
    "deeplab_lite_msc": _DEEPLAB,
    "fcn8s_lite": _FCN,
    "fcn8s_lite_bilinear": _FCN,
    "refinenet_lite": _REFINENET,
}
LAMBDA_SRF, LAMBDA_SRL, LAMBDA_MEA = 0.2, 0.8, 1.0


def soft_cross_entropy(teacher_logits, student_logits, tau):
    """Mean over batch and positions of H(softmax(t / tau), softmax(s / tau)), channels on dim 1."""
    t = F.softmax(teacher_logits.detach() / tau, dim=1)
    return -(t * F.log_softmax(student_logits / tau, dim=1)).sum(1).mean()


def present_classes(labels, num_classes):
    """[B, C] float: 1 where class c labels at least one pixel of image b (255 never counts)."""
    return torch.stack([(labels == c).flatten(1).any(1) for c in range(num_classes)], 1).float()


class SelfRegulation(nn.Module):
    """The network plus its training-only heads; `forward(x, labels)` -> (logits, total loss, parts).

    `criterion` is the pixel loss (CE with ignore_index 255 and any class weights) for the main and the
    auxiliary exits. Optimise `self.parameters()` (network + heads); save `self.model.state_dict()`.
    """

    def __init__(self, model, name, num_classes, criterion, tau=1.0, probe_size=65):
        super().__init__()
        self.model = model
        self.criterion = criterion
        self.num_classes = num_classes
        self.tau = tau
        self.names = EXITS[name]
        self._feats = None
        for n in self.names:
            model.get_submodule(n).register_forward_hook(self._hook(n))
        channels = [f.shape[1] for f in self._probe(probe_size)]
        self.aux = nn.ModuleList(nn.Conv2d(c, num_classes, 1) for c in channels[:-1])
        self.proj = nn.ModuleList(nn.Conv2d(c, channels[0], 1) for c in channels[1:])
        self.img_fc = nn.ModuleList(nn.Linear(num_classes, num_classes) for _ in channels)

    def _hook(self, name):
        def hook(module, inputs, output):
            if self._feats is not None:
                self._feats[name] = output
        return hook

    def _run(self, x):
        """Network output and the block features of this call (caught only here, not in evaluation)."""
        self._feats = {}
        try:
            logits = self.model(x)
            return logits, [self._feats[n] for n in self.names]
        finally:
            self._feats = None

    def _probe(self, size):
        was_training = self.model.training
        self.model.eval()
        with torch.no_grad():
            _, feats = self._run(torch.zeros(1, 3, size, size))
        self.model.train(was_training)
        return feats

    def forward(self, x, labels):
        logits, feats = self._run(x)
        size = labels.shape[-2:]
        exits = [upsample_to(head(f), size) for head, f in zip(self.aux, feats[:-1])] + [logits]
        ce = self.criterion(logits, labels)
        mea_pix = sum(self.criterion(z, labels) for z in exits[:-1])
        present = present_classes(labels, self.num_classes)
        mea_img = sum(F.binary_cross_entropy_with_logits(fc(z.mean((2, 3))), present)
                      for fc, z in zip(self.img_fc, exits))
        teacher = feats[0]
        srf = sum(soft_cross_entropy(teacher, upsample_to(p(f), teacher.shape[-2:]), self.tau)
                  for p, f in zip(self.proj, feats[1:]))
        srl = sum(soft_cross_entropy(logits, z, self.tau) for z in exits[:-1])
        total = ce + LAMBDA_MEA * (mea_pix + mea_img) + LAMBDA_SRF * srf + LAMBDA_SRL * srl
        parts = {"ce": ce, "mea_pix": mea_pix, "mea_img": mea_img, "srf": srf, "srl": srl}
        return logits, total, {k: v.item() for k, v in parts.items()}
