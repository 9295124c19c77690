"""The ControlNets of a pipeline call, run only at the steps where they act."""

from __future__ import annotations

from typing import Any

from diffusers.models.controlnets import MultiControlNetModel


class ActiveControlNets(MultiControlNetModel):
    """diffusers' MultiControlNetModel without the work that adds nothing. diffusers 0.42.1 calls
    every net at every step, at scale 0 after `control_guidance_end` and for a net whose scale
    is 0: here a net at scale 0 does not run, and when none is left the UNet gets no residuals
    (diffusers' UNet then runs as it does without a ControlNet)."""

    def forward(
        self,
        sample: Any,
        timestep: Any,
        encoder_hidden_states: Any,
        controlnet_cond: list[Any],
        conditioning_scale: list[float],
        **kwargs: Any,
    ) -> tuple[list[Any] | None, Any]:
        """The summed residuals of the nets whose scale is above 0; (None, None) when none is."""
        down: list[Any] | None = None
        mid = None
        for image, scale, net in zip(controlnet_cond, conditioning_scale, self.nets, strict=True):
            if scale == 0:
                continue
            net_down, net_mid = net(
                sample=sample,
                timestep=timestep,
                encoder_hidden_states=encoder_hidden_states,
                controlnet_cond=image,
                conditioning_scale=scale,
                **{**kwargs, "return_dict": False},
            )
            if down is None:
                down, mid = list(net_down), net_mid
            else:
                down = [total + part for total, part in zip(down, net_down, strict=True)]
                mid = mid + net_mid
        return down, mid
