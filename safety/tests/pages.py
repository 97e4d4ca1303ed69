"""The safety pages' day: visits on a fixed summer day (British Summer Time, so local time is UTC + 1),
in the root conftest's world (`world`, `clock_june_bst`; the builders are homevisits.factories.World)."""

import datetime

from homevisits.factories import World, june_bst_at

UTC = datetime.UTC

# A London wall-clock time on the test day, as an aware UTC datetime: at(10, 2) is 10:02 in London.
at = june_bst_at

__all__ = ["UTC", "World", "at"]
