"""Where a member of staff was, only when it matters: the phone's location taken with a check-in,
an SOS or a duress PIN, never tracked in between (R-CODEWORD, R-POLICE).

Opt-in per member of staff (accounts.models.StaffProfile.share_location, on their Account page). The
phone sends it with the check-in form (static/js/checkin.js asks the browser, which asks them; the
Permissions-Policy allows it on the check-in page only); it is kept here only when they opted in and
the check-in is their own, in the event's data ("location"), so retention anonymises it with the
visit's other records. The escalation page and the police pack show the last one.
"""

import dataclasses
import datetime
import math

from django.utils import timezone

from visits.models import RecordedHow, VisitEvent

MAP_URL = "https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=17/{lat:.6f}/{lon:.6f}"


def to_keep(by, how: str, lat, lon, accuracy) -> dict | None:
    """The location to keep with a check-in `by` recorded `how`, or None: only from their own phone,
    only when they opted in, only a real fix."""
    if how != RecordedHow.SELF or not getattr(getattr(by, "profile", None), "share_location", False):
        return None
    if lat is None or lon is None or not all(math.isfinite(v) for v in (lat, lon)):
        return None
    accuracy = accuracy if accuracy is not None and math.isfinite(accuracy) else None
    return {"lat": round(lat, 6), "lon": round(lon, 6),
            "accuracy_m": None if accuracy is None else round(accuracy)}


@dataclasses.dataclass(frozen=True)
class LastKnown:
    """"Last known location 11:42 (±25 m)" with the coordinates and a map link."""

    at: datetime.datetime
    lat: float
    lon: float
    accuracy_m: int | None
    who: str

    @property
    def coordinates(self) -> str:
        return f"{self.lat:.5f}, {self.lon:.5f}"

    @property
    def map_url(self) -> str:
        return MAP_URL.format(lat=self.lat, lon=self.lon)

    @property
    def accuracy(self) -> str:
        return "" if self.accuracy_m is None else f"±{self.accuracy_m} m"


def last_known(visit) -> LastKnown | None:
    """The last location any of the visit's staff sent with a check-in, SOS or PIN."""
    event = (VisitEvent.objects.filter(visit=visit, data__has_key="location").select_related("actor")
             .order_by("-at", "-pk").first())
    if event is None:
        return None
    place = event.data["location"]
    who = event.actor.get_full_name() or event.actor.get_username() if event.actor else ""
    return LastKnown(at=timezone.localtime(event.at), lat=place["lat"], lon=place["lon"],
                     accuracy_m=place.get("accuracy_m"), who=who)
