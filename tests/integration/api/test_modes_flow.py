"""A job in each mode through the API and an in-process preview worker, on both databases."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from catalog.sample_photo import furnished_room_jpeg
from tests.integration.api.helpers import submit


def _image(client, url: str) -> np.ndarray:
    response = client.get(url)
    assert response.status_code == 200, url
    return np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB"), dtype=np.int16)


def test_every_mode_runs_end_to_end(client, agent, style, preview_worker):
    jobs = {}
    for mode in ("stage", "declutter", "restage"):
        response = submit(client, agent.headers, photo=furnished_room_jpeg(), mode=mode, seed=9)
        assert response.status_code == 202, response.text
        jobs[mode] = response.json()["id"]
    while preview_worker.run_once():
        pass
    images, masks = {}, {}
    for mode, job_id in jobs.items():
        body = client.get(f"/api/v1/jobs/{job_id}", headers=agent.headers).json()
        assert (body["state"], body["mode"]) == ("completed", mode), body["errors"]
        images[mode] = _image(client, body["results"][0]["url"])
        masks[mode] = _image(client, body["mask_url"])[..., 0] > 127
    photo = _image(client, body["input_url"])
    # Stage leaves the wall band over the floor alone; declutter and restage repaint it.
    assert masks["declutter"].sum() > masks["stage"].sum()
    band = masks["declutter"] & ~masks["stage"]
    assert np.abs(images["stage"][band] - photo[band]).mean() < 4
    for mode in ("declutter", "restage"):
        assert np.abs(images[mode][band] - photo[band]).mean() > 20
    assert np.abs(images["restage"] - images["declutter"]).mean() > 3
