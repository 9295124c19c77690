"""White balance: the photo's colour cast, read from the surfaces that look nearly grey."""

from __future__ import annotations

import numpy as np

LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
"""Rec. 601 luma weights (what JPEG uses), on gamma-encoded values."""

MAX_PIXELS = 60_000
"""Every k-th pixel of the sample it is given, about this many: plenty for one mean colour."""
RADII = (0.45, 0.30, 0.20, 0.12, 0.08)
"""Log-chroma radius around the current estimate of the pixels counted as grey, per round:
wide at first to catch a strong cast, then narrow so that coloured surfaces drop out."""
FIRST_CENTRE_RADIUS = 0.6
"""The first round averages every pixel this close to neutral (a cast is seldom stronger)."""
MIN_GREY_FRACTION = 0.02
"""Fewer usable grey pixels than this (a photo of a red wall) and no correction is made."""
BRIGHT_QUANTILE = 0.8
"""The final estimate averages the grey pixels brighter than this quantile of them."""
DEADBAND = 0.012
"""A cast smaller than this (log ratio, about 1 %) is left alone, so a second pass does nothing."""
DARKEST, BRIGHTEST = 12, 250
"""Pixels darker (noise) or brighter (clipped) than these carry no colour information."""


def cast_gains(rgb: np.ndarray, *, max_correction: float) -> np.ndarray:
    """Per-channel gains (R, G, B) that turn the photo's near-grey surfaces grey, luma kept.

    The cast is measured as log(R/G), log(B/G) of gamma-encoded values: a cast of the light
    multiplies linear values, and so (up to sRGB's toe) the encoded ones. max_correction caps
    the cast removed (in that log unit), so a sunset keeps most of its colour.
    """
    pixels = rgb.reshape(-1, 3)
    pixels = pixels[:: max(1, len(pixels) // MAX_PIXELS)].astype(np.float32)
    usable = (pixels.min(axis=1) >= DARKEST) & (pixels.max(axis=1) <= BRIGHTEST)
    if usable.mean() < MIN_GREY_FRACTION:
        return np.ones(3, dtype=np.float32)
    logs = np.log(pixels[usable])
    chroma = np.stack([logs[:, 0] - logs[:, 1], logs[:, 2] - logs[:, 1]], axis=1)
    weight = pixels[usable] @ LUMA
    centre = np.zeros(2, dtype=np.float32)
    for i, radius in enumerate((FIRST_CENTRE_RADIUS, *RADII)):
        near = np.hypot(*(chroma - centre).T) < radius
        if near.sum() < MIN_GREY_FRACTION * len(pixels):
            if i == 0:
                return np.ones(3, dtype=np.float32)
            break
        centre = np.average(chroma[near], axis=0, weights=weight[near]).astype(np.float32)
    # The brightest of the grey surfaces (ceilings, trim) are the likeliest to be truly white;
    # walls are often a warm white that would otherwise count as part of the cast.
    bright = near & (weight >= np.quantile(weight[near], BRIGHT_QUANTILE))
    centre = np.average(chroma[bright], axis=0).astype(np.float32)
    size = float(np.hypot(*centre))
    if size < DEADBAND:
        return np.ones(3, dtype=np.float32)
    if size > max_correction:
        centre *= max_correction / size
    gains = np.exp(np.array([-centre[0], 0.0, -centre[1]], dtype=np.float32))
    return (gains / float(gains @ LUMA)).astype(np.float32)
