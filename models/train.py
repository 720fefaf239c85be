"""The training loop shared by train, distill and finetune, with resume and DDP.

A run folder holds everything a run needs to continue after an interruption:

    config.json   the run's settings (a resumed run must match them)
    state.pt      model, adapters, both optimizers, scheduler, RNG states, step
    log.jsonl     training and validation records
    model.pt      the finished model as a licc checkpoint (written last: its
                  presence means the run is done)

Started under ``torchrun``, the loop trains with DistributedDataParallel on the
gloo backend (CPU); each process draws its own crops.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
import torch.distributed as dist
from torch import Tensor, nn
from tqdm import tqdm

from lic_compiler.errors import LiccError
from lic_compiler.models.arch import build, conv_widths
from lic_compiler.models.checkpoint import atomic_save, copy_model, load_checkpoint, save_checkpoint
from lic_compiler.models.data import ImageFolder
from lic_compiler.models.distill import Objective
from lic_compiler.models.losses import KDWeights, psnr, rate_distortion
from lic_compiler.models.qat import QatCodec
from lic_compiler.quant.precision_file import read_precision

STATE, MODEL, CONFIG, LOG = "state.pt", "model.pt", "config.json", "log.jsonl"


@dataclass
class TrainConfig:
    """Settings of one run. Those in `RESUMABLE` may change when a run resumes."""

    arch: str
    N: int
    M: int
    lmbda: float
    steps: int
    gdn: str = "standard"
    batch: int = 8
    crop: int = 128
    lr: float = 1e-4
    entropy_lr: float | None = None  # the entropy bottleneck's density (None: lr); see _optimizers
    aux_lr: float = 1e-3
    lr_decay_at: float = 0.85  # fraction of the steps after which the learning rate drops 10×
    clip: float = 1.0
    seed: int = 0
    init: str | None = None  # warm start from this checkpoint
    teacher: str | None = None  # distil from this checkpoint
    kd: dict = field(default_factory=lambda: asdict(KDWeights()))
    align_steps: int = 0  # distillation only: steps of distillation terms alone before rate-distortion
    val_every: int = 1000
    val_crop: int = 256
    save_every: int = 200
    widths: dict | None = None  # a pruned model's per-layer widths (arch.set_widths)
    latent_channels: list | None = None  # a pruned model's surviving latent channels, carried along
    precision: str = "fp32"  # "bf16": the transforms' training forward under bfloat16 autocast
    scale: float = 1.0  # training images resized by this factor before cropping (see ImageFolder)
    qat: str | None = None  # a precision file: train through the integer codec (models.qat)
    hold: str | None = None  # with qat: hold the narrow layers' weight "steps" or "weights" (QatCodec)


RESUMABLE = ("steps", "val_every", "val_crop", "save_every")


def train(
    cfg: TrainConfig, data: list[Path], val: Path | None, out: Path, threads: int | None = None, device: str = "cpu"
) -> Path:
    """Train (or resume) the run in `out` on `device`; return the finished checkpoint's path."""
    out = Path(out)
    if (out / MODEL).exists():
        _echo(f"{out / MODEL} is already finished; delete it to train again")
        return out / MODEL
    rank, world, device = _init_distributed(device)
    torch.set_num_threads(threads or max(1, _cores() // int(os.environ.get("LOCAL_WORLD_SIZE", world))))
    train_set = ImageFolder(data, "random", cfg.crop, cache=True, scale=cfg.scale)
    val_set = ImageFolder(val, "center", cfg.val_crop, cache=True) if val else None
    torch.manual_seed(cfg.seed)  # identical initial weights in every process
    objective = _objective(cfg).to(device)
    model = objective.model
    codec = model.codec if isinstance(model, QatCodec) else model  # what the checkpoint holds
    opt, aux_opt, sched = _optimizers(cfg, objective)
    with _run_lock(out, rank):
        step, elapsed = _resume_or_start(cfg, out, objective, opt, aux_opt, sched, rank, world)
        if isinstance(model, QatCodec) and step:
            model.calibrate()  # the scales of the saved weights, as at the save
        wrapped = _ddp(objective, device) if world > 1 else objective
        stop = _StopRequest()
        bar = tqdm(total=cfg.steps, initial=step, disable=rank != 0, dynamic_ncols=True,
                   mininterval=1 if sys.stderr.isatty() else 30, desc=out.name)
        meter = _Meter()
        started = time.monotonic() - elapsed
        try:
            while step < cfg.steps:
                terms = _step(cfg, wrapped, model, train_set, opt, aux_opt, sched, step, device)
                step += 1
                meter.add(terms)
                bar.update(1)
                bar.set_postfix(meter.summary(), refresh=False)
                elapsed = time.monotonic() - started
                if rank == 0 and step % 50 == 0:
                    _log(out, {"step": step, "seconds": round(elapsed, 1), **meter.summary_numbers()})
                if val_set is not None and rank == 0 and (step % cfg.val_every == 0 or step == cfg.steps):
                    record = validate(model, val_set, cfg.lmbda, device)
                    _log(out, {"step": step, "val": record})
                    bar.write(f"{out.name} step {step}: val bpp {record['bpp']:.4f} psnr {record['psnr']:.2f} dB")
                stopping = stop.agreed(world, device)
                if step % cfg.save_every == 0 or step == cfg.steps or stopping:
                    _save_state(out, objective, opt, aux_opt, sched, step, elapsed, rank, world)
                    if isinstance(model, QatCodec) and not stopping and step < cfg.steps:
                        model.calibrate()  # re-derived at saves only, so a resumed run has the same scales
                if stopping:
                    raise LiccError(f"stopped at step {step}; state saved in {out}, rerun the same command to resume")
        finally:
            stop.restore()
            bar.close()
        if rank == 0:
            # `steps` is what was trained: a resumed run may have passed a since-lowered target.
            config = asdict(cfg) | {"steps": step, "distortion": "mse", "train_seconds": round(elapsed), "processes": world}
            save_checkpoint(out / MODEL, copy_model(codec), cfg.arch, config)
            _echo(f"finished {out.name}: {step} steps in {elapsed / 3600:.2f} h; wrote {out / MODEL}")
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()
    return out / MODEL


def _optimizers(cfg: TrainConfig, objective: Objective) -> tuple:
    """Adam on the codec (and adapters), Adam on the quantiles (aux loss), and the step-decay schedule.

    With `entropy_lr`, the entropy bottleneck's density gets its own rate: at
    a common rate of 1e-4–2e-4 the density narrows so slowly from its broad
    initialisation that for thousands of steps the estimated rate stays far
    above what the latents need (bpp 1.5 instead of 0.4 after 600 steps of a
    64/96 model at λ 0.0067; 10× on the density closes the gap).
    """
    named = [(n, p) for n, p in objective.named_parameters() if p.requires_grad and not n.endswith(".quantiles")]
    aux = [p for n, p in objective.named_parameters() if n.endswith(".quantiles")]
    if cfg.entropy_lr is None:
        groups = [{"params": [p for _, p in named], "lr": cfg.lr}]
    else:
        density = [p for n, p in named if ".entropy_bottleneck." in f".{n}"]
        rest = [p for n, p in named if ".entropy_bottleneck." not in f".{n}"]
        groups = [{"params": rest, "lr": cfg.lr}, {"params": density, "lr": cfg.entropy_lr}]
    opt = torch.optim.Adam(groups)
    decay_step = int(cfg.lr_decay_at * cfg.steps)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0 if s < decay_step else 0.1)
    return opt, torch.optim.Adam(aux, lr=cfg.aux_lr), sched


def _step(cfg, wrapped, model, train_set, opt, aux_opt, sched, step: int, device: torch.device) -> dict[str, float]:
    """One Adam step on the loss and one on CompressAI's auxiliary (quantile) loss."""
    idx = torch.randint(len(train_set), (cfg.batch,)).tolist()
    x = torch.stack([train_set[i] for i in idx]).to(device)
    rd_weight = 0.0 if step < cfg.align_steps else 1.0
    terms = wrapped(x, rd_weight)
    opt.zero_grad(set_to_none=True)
    terms["loss"].backward()
    if cfg.clip > 0:
        nn.utils.clip_grad_norm_([p for g in opt.param_groups for p in g["params"]], cfg.clip)
    opt.step()
    if isinstance(model, QatCodec):
        model.hold_steps()
    sched.step()
    aux_opt.zero_grad(set_to_none=True)
    aux = model.aux_loss()
    # The aux loss depends only on the (synchronised) entropy-model parameters, so it is
    # the same in every process and the quantiles stay in sync without communication.
    aux.backward()
    aux_opt.step()
    return {k: float(v.detach()) for k, v in terms.items()} | {"aux": float(aux.detach())}


@torch.no_grad()
def validate(
    model: nn.Module, images: ImageFolder, lmbda: float, device: torch.device | str = "cpu", batch: int = 4
) -> dict[str, float]:
    """Mean loss and bpp, and PSNR of the mean MSE, of the quantised (eval-mode) model."""
    was_training = model.training
    model.eval()
    totals = {"loss": 0.0, "bpp": 0.0, "mse": 0.0}
    for start in range(0, len(images), batch):
        x = torch.stack([images[i] for i in range(start, min(start + batch, len(images)))]).to(device)
        terms = rate_distortion(model(x), x, lmbda)
        for k in totals:
            totals[k] += float(terms[k]) * len(x)
    model.train(was_training)
    means = {k: v / len(images) for k, v in totals.items()}
    return {k: round(v, 6) for k, v in means.items()} | {"psnr": round(psnr(means["mse"]), 4)}


def _objective(cfg: TrainConfig) -> Objective:
    model = build(cfg.arch, cfg.N, cfg.M, cfg.gdn, cfg.widths)
    if cfg.init:
        source, meta = load_checkpoint(cfg.init, arch=cfg.arch)
        # Widths, not config fields: a pruned export of a wider model (e.g. a teacher cut to the
        # student's widths, to distil from) records its widths per layer.
        if conv_widths(source) != conv_widths(model):
            given = meta["config"]
            raise LiccError(
                f"--init {cfg.init} has {_widths(given['N'], given['M'], given.get('widths'))}, "
                f"not {_widths(cfg.N, cfg.M, cfg.widths)}; warm-start from a checkpoint of the same widths"
            )
        model.load_state_dict(source.state_dict())
    if cfg.precision == "bf16":
        autocast_transforms(model, torch.bfloat16)
    teacher = load_checkpoint(cfg.teacher, arch=cfg.arch)[0] if cfg.teacher else None
    if cfg.qat:
        if cfg.precision != "fp32":
            raise LiccError("--qat trains through the integer codec (float64 in torch); drop --precision bf16")
        model = QatCodec(model.train(), read_precision(cfg.qat), hold=cfg.hold)
    return Objective(model.train(), cfg.lmbda, teacher, KDWeights(**cfg.kd)).train()


def autocast_transforms(model: nn.Module, dtype: torch.dtype) -> None:
    """Run the transforms' training forward under autocast to `dtype`; everything else stays float32.

    The entropy models stay in float32: their likelihoods are differences of
    nearly equal sigmoids, which bfloat16's 8-bit mantissa would wipe out.
    Weights (and so checkpoints) stay float32, and eval mode (validation,
    inference) runs in float32.
    """
    for name in ("g_a", "g_s", "h_a", "h_s"):
        if hasattr(model, name):
            transform = getattr(model, name)
            transform.forward = _autocast(transform, transform.forward, dtype)


def _autocast(transform: nn.Module, forward: Callable[[Tensor], Tensor], dtype: torch.dtype) -> Callable:
    def run(x: Tensor) -> Tensor:
        if not transform.training:
            return forward(x)
        with torch.autocast(x.device.type, dtype=dtype):
            return forward(x).float()

    return run


def _widths(N: int, M: int, widths: dict | None) -> str:
    return f"N={N}, M={M}" + (f", widths={widths}" if widths else "")


def _with_defaults(config: dict) -> dict:
    """A stored config with the settings added since it was written at their defaults."""
    defaults = asdict(TrainConfig(arch="", N=0, M=0, lmbda=0.0, steps=0))
    filled = {k: v for k, v in defaults.items() if k not in ("arch", "N", "M", "lmbda", "steps")} | config
    filled["kd"] = asdict(KDWeights()) | config.get("kd", {})
    return filled


def _resume_or_start(cfg, out: Path, objective, opt, aux_opt, sched, rank: int, world: int) -> tuple[int, float]:
    """Load `out`'s state if there is one (step, seconds so far), else record the config."""
    settings = {k: v for k, v in asdict(cfg).items() if k not in RESUMABLE}
    if not (out / STATE).exists():
        if rank == 0:
            (out / CONFIG).write_text(json.dumps(asdict(cfg), indent=2) + "\n")
        torch.manual_seed(cfg.seed * 1000 + rank)  # each process draws its own crops
        return 0, 0.0
    previous = _with_defaults(json.loads((out / CONFIG).read_text()))
    changed = [k for k in settings if previous.get(k) != settings[k]]
    if changed:
        raise LiccError(
            f"{out} holds a run with different settings ({', '.join(changed)}); "
            "use another --out folder, or delete this one to start over"
        )
    try:
        state = torch.load(out / STATE, weights_only=True, map_location="cpu")
    except Exception as e:
        raise LiccError(f"{out / STATE} is unreadable ({type(e).__name__}); delete it to restart the run") from None
    objective.model.load_state_dict(state["model"])  # CompressAI's: resizes CDF-table buffers
    objective.adapters.load_state_dict(state["adapters"])
    opt.load_state_dict(state["opt"])
    aux_opt.load_state_dict(state["aux_opt"])
    sched.load_state_dict(state["sched"])
    rng = state["rng"]
    if len(rng) == world:
        torch.set_rng_state(rng[rank])
    else:  # a different number of processes: fresh, still deterministic, crop streams
        torch.manual_seed(cfg.seed * 1000 + rank + state["step"])
    if rank == 0:
        (out / CONFIG).write_text(json.dumps(asdict(cfg), indent=2) + "\n")
        _echo(f"resuming {out.name} at step {state['step']}")
    return int(state["step"]), float(state["seconds"])


def _save_state(out: Path, objective, opt, aux_opt, sched, step: int, seconds: float, rank: int, world: int) -> None:
    rng = [torch.get_rng_state()]
    if world > 1:
        rng = [None] * world
        dist.all_gather_object(rng, torch.get_rng_state())
    if rank != 0:
        return
    # The teacher is not saved: the config names its checkpoint.
    atomic_save(
        {
            "model": objective.model.state_dict(),
            "adapters": objective.adapters.state_dict(),
            "opt": opt.state_dict(),
            "aux_opt": aux_opt.state_dict(),
            "sched": sched.state_dict(),
            "rng": rng,
            "step": step,
            "seconds": seconds,
        },
        out / STATE,
    )


def _ddp(objective: Objective, device: torch.device) -> nn.Module:
    # Quantiles are trained by the aux loss outside forward; DDP must not wait for their gradients.
    quantiles = [n for n, _ in objective.named_parameters() if n.endswith(".quantiles")]
    nn.parallel.DistributedDataParallel._set_params_and_buffers_to_ignore_for_model(objective, quantiles)
    device_ids = [device.index] if device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(objective, device_ids=device_ids)


def _init_distributed(device: str) -> tuple[int, int, torch.device]:
    """(rank, world size, this process's device); joins the process group when started by torchrun.

    With several processes, "cuda" means each process's own GPU (LOCAL_RANK)
    and the backend is NCCL; on CPU it is gloo.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    dev = torch.device(device)
    if dev.type == "cuda" and dev.index is None:
        dev = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    if dev.type == "cuda":
        torch.cuda.set_device(dev)
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if dev.type == "cuda" else "gloo")
    return (dist.get_rank() if world > 1 else 0), world, dev


def _cores() -> int:
    return len(os.sched_getaffinity(0))


@contextlib.contextmanager
def _run_lock(out: Path, rank: int) -> Iterator[None]:
    """Refuse to run two trainings in one folder (a stray process would overwrite the state)."""
    out.mkdir(parents=True, exist_ok=True)
    if rank != 0:
        yield
        return
    with open(out / ".lock", "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LiccError(f"{out} is in use by another training process; wait for it or stop it") from None
        yield


class _StopRequest:
    """SIGINT/SIGTERM ask the loop to save its state at the end of the current step."""

    def __init__(self) -> None:
        self.requested = False
        self._previous = {s: signal.signal(s, self._handle) for s in (signal.SIGINT, signal.SIGTERM)}

    def _handle(self, signum: int, _frame: object) -> None:
        self.requested = True

    def agreed(self, world: int, device: torch.device) -> bool:
        """Whether any process was asked to stop: all processes must save at the same step."""
        if world == 1:
            return self.requested
        flag = torch.tensor([int(self.requested)], device=device)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        return bool(flag)

    def restore(self) -> None:
        for s, handler in self._previous.items():
            signal.signal(s, handler)


class _Meter:
    """Running means over the last steps, for the progress bar and the log."""

    def __init__(self, window: int = 50) -> None:
        self.window, self.history = window, []

    def add(self, terms: dict[str, float]) -> None:
        self.history = (self.history + [terms])[-self.window :]

    def summary_numbers(self) -> dict[str, float]:
        keys = self.history[-1].keys()
        means = {k: sum(h[k] for h in self.history) / len(self.history) for k in keys}
        return {k: round(v, 6) for k, v in means.items()} | {"psnr": round(psnr(means["mse"]), 3)}

    def summary(self) -> dict[str, str]:
        s = self.summary_numbers()
        shown = {"loss": f"{s['loss']:.3f}", "bpp": f"{s['bpp']:.3f}", "psnr": f"{s['psnr']:.2f}"}
        return shown | ({"kd": f"{s['kd']:.3f}"} if "kd" in s else {})


def _log(out: Path, record: dict) -> None:
    with open(out / LOG, "a") as f:
        f.write(json.dumps(record) + "\n")


def _echo(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
