"""Model calls recorded on a pipeline, filed by stage, and their FLOPs on full-size models."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from bench import gpu_configs as cfg
from bench.flop_models import MetaModels
from worker.engine.stages import CURRENT_STAGE


@dataclass(frozen=True)
class Call:
    """One model call: the model, the shapes that decide its cost, and whether the LoRA was on."""

    model: str
    shapes: tuple[tuple[int, ...], ...]
    lora: bool = False


class Recorder:
    """Counts the calls of a pipeline's models by (stage, Call) while attached; a call outside
    any timed stage is filed under `outside`."""

    def __init__(self, outside: str = "other") -> None:
        self.calls: Counter[tuple[str, Call]] = Counter()
        self.outside = outside
        self._lora_layers: list[Any] = []

    @contextmanager
    def attached(self, pipe: Any, nets: list[Any]) -> Iterator[None]:
        """Hooks on the UNet, each ControlNet, the VAE's encoder and decoder and both text
        encoders, removed on exit."""
        from peft.tuners.tuners_utils import BaseTunerLayer

        self._lora_layers = [m for m in pipe.unet.modules() if isinstance(m, BaseTunerLayer)]
        targets = [
            (pipe.unet, self._unet),
            *((net, self._controlnet) for net in nets),
            (pipe.vae.encoder, partial(self._first, "vae_encode")),
            (pipe.vae.decoder, partial(self._first, "vae_decode")),
            (pipe.text_encoder, partial(self._first, "text_encoder")),
            (pipe.text_encoder_2, partial(self._first, "text_encoder_2")),
        ]
        hooks = [m.register_forward_pre_hook(fn, with_kwargs=True) for m, fn in targets]
        try:
            yield
        finally:
            for hook in hooks:
                hook.remove()

    def _add(self, call: Call) -> None:
        self.calls[(CURRENT_STAGE.get() or self.outside, call)] += 1

    def _first(self, model: str, module: Any, args: tuple, kwargs: dict) -> None:
        first = args[0] if args else next(iter(kwargs.values()))
        self._add(Call(model, (tuple(first.shape),)))

    def _unet(self, module: Any, args: tuple, kwargs: dict) -> None:
        sample = args[0] if args else kwargs["sample"]
        hidden = kwargs["encoder_hidden_states"]
        lora = bool(self._lora_layers) and not self._lora_layers[0].disable_adapters
        self._add(Call("unet", (tuple(sample.shape), tuple(hidden.shape)), lora))

    def _controlnet(self, module: Any, args: tuple, kwargs: dict) -> None:
        shapes = (kwargs["sample"], kwargs["encoder_hidden_states"], kwargs["controlnet_cond"])
        self._add(Call("controlnet", tuple(tuple(t.shape) for t in shapes)))


class Replay:
    """FLOPs of recorded calls on the full-size models (meta device), each shape counted once."""

    def __init__(self) -> None:
        self.models = MetaModels()
        self._cache: dict[Call, int] = {}

    def flops(self, call: Call) -> int:
        """FLOPs of one call as torch.utils.flop_counter counts them (matmuls, convolutions,
        attention: the arithmetic that matters; element-wise work is not counted)."""
        if call not in self._cache:
            import torch
            from torch.utils.flop_counter import FlopCounterMode

            with torch.no_grad(), FlopCounterMode(display=False) as counter:
                self._run(call)
            self._cache[call] = counter.get_total_flops()
        return self._cache[call]

    def tally(self, calls: Counter[tuple[str, Call]]) -> dict[str, dict[str, int]]:
        """FLOPs per stage, per model."""
        result: dict[str, dict[str, int]] = {}
        for (stage, call), count in calls.items():
            models = result.setdefault(stage, {})
            models[call.model] = models.get(call.model, 0) + count * self.flops(call)
        return result

    def _run(self, call: Call) -> None:
        import torch

        def empty(*shape: int, dtype: Any = torch.float32) -> Any:
            return torch.empty(shape, device="meta", dtype=dtype)

        if call.model in ("text_encoder", "text_encoder_2"):
            self.models.get(call.model)(empty(*call.shapes[0], dtype=torch.long))
            return
        if call.model == "vae_encode":
            self.models.get("vae").encode(empty(*call.shapes[0]))
            return
        if call.model == "vae_decode":
            self.models.get("vae").decode(empty(*call.shapes[0]))
            return
        batch, tokens = call.shapes[1][:2]
        hidden = empty(batch, tokens, cfg.SDXL_UNET["cross_attention_dim"])
        pooled = (
            cfg.SDXL_UNET["projection_class_embeddings_input_dim"]
            - 6 * cfg.SDXL_UNET["addition_time_embed_dim"]
        )
        added = {"text_embeds": empty(batch, pooled), "time_ids": empty(batch, 6)}
        if call.model == "controlnet":
            self.models.get("controlnet")(
                empty(*call.shapes[0]),
                empty(),
                encoder_hidden_states=hidden,
                controlnet_cond=empty(*call.shapes[2]),
                added_cond_kwargs=added,
                return_dict=False,
            )
            return
        unet = self.models.get("unet")
        unet.enable_adapters() if call.lora else unet.disable_adapters()
        unet(empty(*call.shapes[0]), empty(), encoder_hidden_states=hidden,
             added_cond_kwargs=added, return_dict=False)  # fmt: skip
