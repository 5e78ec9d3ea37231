"""What a captured window and its activity rows are, wherever they are produced or stored.

Shared by the collector (which captures), the ingestion service (which receives), storage
(which writes) and the importers (which translate other trackers' files): the wire records
and their limits, the active window, the privacy-filter rules and the site rules. It imports
no other TraqNext package, so any of them may import it without pulling in the others.
"""
