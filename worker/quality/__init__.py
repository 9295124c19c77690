"""The quality gate: scorers over plain images and masks, and the re-roll loop."""
