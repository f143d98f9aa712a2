"""Traffic: daily volumes, QPS, read:write, and the peaks we actually design for.

QPS = operations per day ÷ seconds per day. On the napkin a day is 100K s (so "drop five
zeros"); exactly it is 86,400 s, which makes every napkin QPS about 14% low.
Peak QPS = average QPS × peak multiplier (×10 normal, ×100 on a big on-sale).
"""

from __future__ import annotations

from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.estimate.inputs import new_calc
from ticketlab.worksheet import Equation as E, Worksheet

__all__ = ["traffic", "TRAFFIC"]

#: The traffic steps (needs the inputs of :func:`traffic`).
TRAFFIC = (
    E("searches_per_day", "Search/browse operations per day", "dau * searches_per_user", "searches"),
    E("successful_bookings_per_day", "Successful bookings per day", "bookings_per_day", "bookings"),
    E("booking_attempts_per_day", "Booking attempts per day", "bookings_per_day / booking_success_rate",
      "attempts", "every successful booking takes 1 ÷ success rate attempts"),
    E("payments_per_day", "Payment transactions per day", "bookings_per_day * payments_per_booking", "payments"),
    E("read_write_ratio", "Read:write ratio", "searches_per_day / bookings_per_day", ":1",
      "reads are searches; writes are successful bookings"),
    E("search_qps", "Search QPS", "searches_per_day / seconds_per_day", "req/s"),
    E("booking_qps", "Booking QPS", "bookings_per_day / seconds_per_day", "req/s"),
    E("booking_attempt_qps", "Booking attempt QPS", "booking_attempts_per_day / seconds_per_day", "req/s"),
    E("payment_qps", "Payment QPS", "payments_per_day / seconds_per_day", "req/s"),
    E("peak_qps", "Peak search QPS (normal peak)", "search_qps * peak_multiplier", "req/s"),
    E("extreme_peak_qps", "Extreme peak search QPS (on-sale)", "search_qps * extreme_multiplier", "req/s"),
    E("peak_booking_qps", "Peak booking QPS (normal peak)", "booking_qps * peak_multiplier", "req/s"),
    E("extreme_booking_qps", "Extreme peak booking QPS", "booking_qps * extreme_multiplier", "req/s"),
    E("peak_payment_qps", "Peak payment QPS (normal peak)", "payment_qps * peak_multiplier", "req/s"),
)


def traffic(dau="10M", searches_per_user=5, bookings_per_day="500K", booking_success_rate="30%",
            payments_per_booking=1, peak_multiplier=10, extreme_multiplier=100, *,
            samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Daily volumes and QPS (average, peak, extreme peak) for searches, bookings and payments.

    Defaults are the Ticketmaster baseline. Any input may be a number, a string ("10M"),
    a numpy array (a sweep) or a range ("5M..20M").
    """
    c = new_calc("Traffic", dict(
        dau=dau, searches_per_user=searches_per_user, bookings_per_day=bookings_per_day,
        booking_success_rate=booking_success_rate, payments_per_booking=payments_per_booking,
        peak_multiplier=peak_multiplier, extreme_multiplier=extreme_multiplier), samples=samples, seed=seed)
    c.derive(TRAFFIC)
    return c.worksheet()
