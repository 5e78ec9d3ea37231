"""Analytics over TraqNext storage: the only door from stored rows to anything shown."""

from analytics.organisation import OrganisationSummary, organisation_summary

__all__ = ["OrganisationSummary", "organisation_summary"]
