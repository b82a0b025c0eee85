"""The hotline cast: the toy city with a gazetteer and a duty grid (helpers.py)."""

from tests.server.hotline.helpers import cast  # noqa: F401  (overrides the shared fixture)
