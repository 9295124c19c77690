"""ADE20K class names, and which classes are staged or protected (the one list of each)."""

from __future__ import annotations

ADE20K_LABELS: tuple[str, ...] = (
    "wall", "building", "sky", "floor", "tree", "ceiling", "road", "bed", "windowpane", "grass",
    "cabinet", "sidewalk", "person", "earth", "door", "table", "mountain", "plant", "curtain",
    "chair", "car", "water", "painting", "sofa", "shelf", "house", "sea", "mirror", "rug", "field",
    "armchair", "seat", "fence", "desk", "rock", "wardrobe", "lamp", "bathtub", "railing",
    "cushion", "base", "box", "column", "signboard", "chest of drawers", "counter", "sand", "sink",
    "skyscraper", "fireplace", "refrigerator", "grandstand", "path", "stairs", "runway", "case",
    "pool table", "pillow", "screen door", "stairway", "river", "bridge", "bookcase", "blind",
    "coffee table", "toilet", "flower", "book", "hill", "bench", "countertop", "stove", "palm",
    "kitchen island", "computer", "swivel chair", "boat", "bar", "arcade machine", "hovel", "bus",
    "towel", "light", "truck", "tower", "chandelier", "awning", "streetlight", "booth",
    "television receiver", "airplane", "dirt track", "apparel", "pole", "land", "bannister",
    "escalator", "ottoman", "bottle", "buffet", "poster", "stage", "van", "ship", "fountain",
    "conveyer belt", "canopy", "washer", "plaything", "swimming pool", "stool", "barrel", "basket",
    "waterfall", "tent", "bag", "minibike", "cradle", "oven", "ball", "food", "step", "tank",
    "trade name", "microwave", "pot", "animal", "bicycle", "lake", "dishwasher", "screen",
    "blanket", "sculpture", "hood", "sconce", "vase", "traffic light", "tray", "ashcan", "fan",
    "pier", "crt screen", "plate", "monitor", "bulletin board", "shower", "radiator", "glass",
    "clock", "flag",
)  # fmt: skip
"""The 150 ADE20K (SceneParsing) class names in their usual order (id = index)."""

FLOOR_CLASSES: frozenset[str] = frozenset({"floor", "rug"})
"""Where furniture is placed indoors."""

OUTDOOR_FLOOR_CLASSES: frozenset[str] = FLOOR_CLASSES | frozenset(
    {"grass", "sidewalk", "path", "earth", "land", "field", "sand"}
)
"""Where furniture is placed outdoors: decks (labelled floor), pavers, lawn, paths, gravel."""

OUTDOOR_ROOM_TYPES: frozenset[str] = frozenset({"patio"})


def floor_classes(room_type: str) -> frozenset[str]:
    """The floor classes of a room type (outdoor ones include the ground outside)."""
    return OUTDOOR_FLOOR_CLASSES if room_type in OUTDOOR_ROOM_TYPES else FLOOR_CLASSES


WALL_CLASSES: frozenset[str] = frozenset({"wall"})
"""Walls: only their lower band, just above the floor, may be staged."""

BUILT_IN_CLASSES: frozenset[str] = frozenset({"wardrobe", "shelf", "washer", "microwave", "fan"})
"""Part of the property in most listing photos (fitted wardrobes and shelves, plumbed-in washers,
over-range microwaves, ceiling fans), though ADE20K also gives these names to freestanding ones."""

PROTECTED_CLASSES: frozenset[str] = BUILT_IN_CLASSES | frozenset(
    {
        "windowpane", "door", "screen door", "ceiling", "stairs", "stairway", "step", "column",
        "fireplace", "radiator", "light", "chandelier", "sconce", "lamp", "curtain", "blind",
        "bannister", "railing", "cabinet", "countertop", "kitchen island", "sink", "stove", "oven",
        "refrigerator", "dishwasher", "hood", "bathtub", "shower", "toilet", "mirror", "painting",
        "sky", "tree", "person",
    }
)  # fmt: skip
"""Never staged: architecture, built-in fixtures and what is seen through windows."""


def normalise(name: str) -> set[str]:
    """The lower-case aliases of a label ("windowpane, window" -> {"windowpane", "window"})."""
    return {alias.strip().lower() for alias in name.replace(";", ",").split(",") if alias.strip()}


def class_ids(id2label: dict[int, str], names: frozenset[str] | set[str]) -> list[int]:
    """The ids in a model's id2label whose name (or an alias) is one of names."""
    return sorted(int(i) for i, label in id2label.items() if normalise(label) & names)
