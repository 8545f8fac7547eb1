"""What an organization's package entitles it to: the seam the packages and payments issue fills.

Seed 001 sells packages (Basic, Platinum, Diamond, …) with features, and gates some routes on them
("Only available for Basic, Platinum, and Diamond packages" for `PUT /organizations/me/slug`).
Packages are not built yet, so every organization is entitled to everything; the routes that a
package gates already ask here, and only this module changes when packages land.
"""

from __future__ import annotations

from enum import StrEnum

from docket.identity.accounts import Organization


class Feature(StrEnum):
    #: choosing the organization's slug (seed 001: Basic, Platinum and Diamond packages)
    CUSTOM_SLUG = "custom_slug"


def require(organization: Organization, feature: Feature) -> None:
    """Raise Forbidden when the organization's package lacks `feature` (today: never)."""
    del organization, feature  # every organization is entitled until packages exist
