"""The staging engine as stages: plain functions over PIL images, numpy masks and dataclasses."""
