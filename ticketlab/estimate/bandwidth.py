"""Bandwidth: QPS × bytes per request or response, per flow, and at peak.

Peak bandwidth = (sum of the flows) × peak multiplier. Bytes per second × 8 = bits per
second, the unit network links are sold in (250 MB/s ≈ 2 Gbps).
"""

from __future__ import annotations

from ticketlab.estimate.inputs import start
from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.worksheet import Calc, Worksheet

__all__ = ["bandwidth", "bandwidth_steps"]


def qps_steps(c: Calc) -> None:
    """The three QPS figures bandwidth needs, when no traffic worksheet computed them."""
    for key, per_day, label in (("search_qps", "searches_per_day", "Search QPS"),
                                ("booking_qps", "bookings_per_day", "Booking QPS"),
                                ("payment_qps", "payments_per_day", "Payment QPS")):
        if key not in c:
            c.step(key, label, f"{per_day} / seconds_per_day",
                   lambda v, K, per_day=per_day: getattr(v, per_day) / K.day, unit="req/s")


def bandwidth_steps(c: Calc) -> None:
    qps_steps(c)
    c.step("search_bandwidth", "Search bandwidth", "search_qps * search_response_size",
           lambda v, K: v.search_qps * v.search_response_size, unit="B/s")
    c.step("booking_bandwidth", "Booking bandwidth", "booking_qps * booking_request_size",
           lambda v, K: v.booking_qps * v.booking_request_size, unit="B/s")
    c.step("payment_bandwidth", "Payment bandwidth", "payment_qps * payment_request_size",
           lambda v, K: v.payment_qps * v.payment_request_size, unit="B/s")
    c.step("average_bandwidth", "Average bandwidth", "search_bandwidth + booking_bandwidth + payment_bandwidth",
           lambda v, K: v.search_bandwidth + v.booking_bandwidth + v.payment_bandwidth, unit="B/s")
    c.step("peak_bandwidth", "Peak bandwidth (normal peak)", "average_bandwidth * peak_multiplier",
           lambda v, K: v.average_bandwidth * v.peak_multiplier, unit="B/s")
    c.step("extreme_peak_bandwidth", "Extreme peak bandwidth (on-sale)", "average_bandwidth * extreme_multiplier",
           lambda v, K: v.average_bandwidth * v.extreme_multiplier, unit="B/s",
           note="the 100× spike the QPS plan is sized for")


def bandwidth(searches_per_day="50M", bookings_per_day="500K", payments_per_day="500K",
              search_response_size="50 KB", booking_request_size="10 KB", payment_request_size="5 KB",
              peak_multiplier=10, extreme_multiplier=100, *,
              samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Bytes per second for search, booking and payment traffic, average and at peak."""
    args = dict(locals())
    per_day = {k: args.pop(k) for k in ("searches_per_day", "payments_per_day")}
    c = start("Bandwidth", args)
    c.given("searches_per_day", per_day["searches_per_day"], label="Searches per day", unit="searches", dimension="count")
    c.given("payments_per_day", per_day["payments_per_day"], label="Payments per day", unit="payments", dimension="count")
    bandwidth_steps(c)
    return c.worksheet()
