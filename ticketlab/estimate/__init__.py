"""Estimators: pure functions from inputs to a :class:`~ticketlab.worksheet.Worksheet`.

Each accepts numbers, human strings ("10M"), numpy arrays (a sweep) and ranges ("5M..20M").
"""

from ticketlab.estimate.bandwidth import bandwidth
from ticketlab.estimate.cache import cache
from ticketlab.estimate.funnel import funnel
from ticketlab.estimate.onsale import counter_sale, onsale
from ticketlab.estimate.schedule import block_release, schedule, season
from ticketlab.estimate.storage import storage
from ticketlab.estimate.template import ticketmaster_template
from ticketlab.estimate.traffic import traffic
from ticketlab.estimate.capacity import littles_law, lock_capacity
from ticketlab.estimate.contention import contention, contention_level
from ticketlab.estimate.timeouts import timeout_cascade
from ticketlab.estimate.waiting_room import waiting_room

__all__ = [
    "traffic", "storage", "bandwidth", "cache", "funnel", "contention", "contention_level",
    "lock_capacity", "littles_law", "waiting_room", "timeout_cascade", "onsale", "schedule",
    "season", "ticketmaster_template", "counter_sale", "block_release",
]
