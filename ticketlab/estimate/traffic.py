"""Traffic: daily volumes, QPS, read:write, and the peaks we actually design for.

QPS = operations per day ÷ seconds per day. On the napkin a day is 100K s (so "drop five
zeros"); exactly it is 86,400 s, which makes every napkin QPS about 14% low.
Peak QPS = average QPS × peak multiplier (×10 normal, ×100 on a big on-sale).
"""

from __future__ import annotations

from ticketlab.estimate.inputs import start
from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.worksheet import Calc, Worksheet

__all__ = ["traffic", "traffic_steps"]


def traffic_steps(c: Calc) -> None:
    """Append the traffic steps to ``c`` (needs the inputs of :func:`traffic` declared)."""
    c.step("searches_per_day", "Search/browse operations per day", "dau * searches_per_user",
           lambda v, K: v.dau * v.searches_per_user, unit="searches")
    c.step("successful_bookings_per_day", "Successful bookings per day", "bookings_per_day",
           lambda v, K: v.bookings_per_day, unit="bookings")
    c.step("booking_attempts_per_day", "Booking attempts per day", "bookings_per_day / booking_success_rate",
           lambda v, K: v.bookings_per_day * K.round(1 / v.booking_success_rate), unit="attempts",
           note="napkin: dividing by 30% is taken as ×3")
    c.step("payments_per_day", "Payment transactions per day", "bookings_per_day * payments_per_booking",
           lambda v, K: v.bookings_per_day * v.payments_per_booking, unit="payments")
    c.step("read_write_ratio", "Read:write ratio", "searches_per_day / bookings_per_day",
           lambda v, K: v.searches_per_day / v.bookings_per_day, unit=":1",
           note="reads are searches; writes are successful bookings")
    c.step("search_qps", "Search QPS", "searches_per_day / seconds_per_day",
           lambda v, K: v.searches_per_day / K.day, unit="req/s")
    c.step("booking_qps", "Booking QPS", "bookings_per_day / seconds_per_day",
           lambda v, K: v.bookings_per_day / K.day, unit="req/s")
    c.step("booking_attempt_qps", "Booking attempt QPS", "booking_attempts_per_day / seconds_per_day",
           lambda v, K: v.booking_attempts_per_day / K.day, unit="req/s")
    c.step("payment_qps", "Payment QPS", "payments_per_day / seconds_per_day",
           lambda v, K: v.payments_per_day / K.day, unit="req/s")
    c.step("peak_qps", "Peak search QPS (normal peak)", "search_qps * peak_multiplier",
           lambda v, K: v.search_qps * v.peak_multiplier, unit="req/s")
    c.step("extreme_peak_qps", "Extreme peak search QPS (on-sale)", "search_qps * extreme_multiplier",
           lambda v, K: v.search_qps * v.extreme_multiplier, unit="req/s")
    c.step("peak_booking_qps", "Peak booking QPS (normal peak)", "booking_qps * peak_multiplier",
           lambda v, K: v.booking_qps * v.peak_multiplier, unit="req/s")
    c.step("extreme_booking_qps", "Extreme peak booking QPS", "booking_qps * extreme_multiplier",
           lambda v, K: v.booking_qps * v.extreme_multiplier, unit="req/s")
    c.step("peak_payment_qps", "Peak payment QPS (normal peak)", "payment_qps * peak_multiplier",
           lambda v, K: v.payment_qps * v.peak_multiplier, unit="req/s")


def traffic(dau="10M", searches_per_user=5, bookings_per_day="500K", booking_success_rate="30%",
            payments_per_booking=1, peak_multiplier=10, extreme_multiplier=100, *,
            samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Daily volumes and QPS (average, peak, extreme peak) for searches, bookings and payments.

    Defaults are the Ticketmaster baseline. Any input may be a number, a string ("10M"),
    a numpy array (a sweep) or a range ("5M..20M").
    """
    c = start("Traffic", locals())
    traffic_steps(c)
    return c.worksheet()
