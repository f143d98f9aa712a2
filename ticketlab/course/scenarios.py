"""Named scenarios, as data: givens with a note for each, and the figures the source prints.

A scenario names the worksheet it fills (``model``): ``ticketmaster`` (the whole template),
``onsale`` (one big sale: Taylor Swift, the Super Bowl, an airline's seats), ``counter`` (general
admission: passes from one counter), ``schedule`` (a venue with many shows: Broadway, a cinema),
``block-release`` (a schedule plus the rush when a block of dates opens: Hamilton) or ``season``
(sports season tickets). Everything else is values. A given the source does not state is marked
``assumed`` and its note says why we chose it.

``source`` holds the source's printed answers, keyed like the worksheet's steps: the numbers the
audit checks against the napkin side. Each keeps the precision it was printed with (``sig``
significant figures, "500" has one, "278" three) or says it was printed as an upper bound
("<1 GB"). :data:`SOURCE_FACTS` holds figures the source prints that no worksheet computes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping, NamedTuple

from ticketlab.core.errors import UnknownScenarioError
from ticketlab.core.vocab import ScenarioModel

__all__ = ["Given", "SourceFigure", "Scenario", "SCENARIOS", "SOURCE_FACTS", "get", "names", "significant_figures"]


class Given(NamedTuple):
    value: Any
    note: str = ""
    assumed: bool = False


def significant_figures(value: float) -> int:
    """Significant figures of a number as printed; an integer's trailing zeros do not count.

    ``500`` → 1, ``278`` → 3, ``1.5e6`` → 2, ``0.025`` → 2, ``912e6`` → 3.
    """
    digits = f"{abs(float(value)):.12g}"
    if "e" in digits:
        digits = f"{abs(float(value)):.12f}".rstrip("0")
    digits = digits.replace(".", "").lstrip("0")
    return max(len(digits.rstrip("0")), 1)


class SourceFigure(NamedTuple):
    """A figure as the source prints it: value in base units, where it stands, the text.

    ``sig`` is how many significant figures it was printed with; ``bound`` marks a printed upper
    bound ("<1 GB"), which is right as long as the figure stays below it.
    """

    value: float
    where: str
    printed: str
    sig: int = 1
    bound: bool = False

    @property
    def precision(self) -> float:
        """Half a unit in the last printed figure, relative to the value: "500" ±10%, "278" ±0.18%."""
        v = abs(self.value)
        return 0.5 * 10.0 ** (math.floor(math.log10(v)) - self.sig + 1) / v


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    model: ScenarioModel
    summary: str
    givens: Mapping[str, Given]
    source: Mapping[str, SourceFigure] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        return {k: g.value for k, g in self.givens.items()}

    def notes(self) -> dict[str, str]:
        return {k: ("assumed: " if g.assumed else "") + g.note for k, g in self.givens.items()}


def G(value: Any, note: str = "", assumed: bool = False) -> Given:
    return Given(value, note, assumed)


def A(value: Any, note: str) -> Given:
    """A given the source does not state: ours, with the reason."""
    return Given(value, note, True)


def S(value: float, where: str, printed: str, *, sig: int | None = None, bound: bool = False) -> SourceFigure:
    """A printed figure; ``sig`` defaults to the significant figures of ``value`` as written here."""
    return SourceFigure(float(value), where, printed, significant_figures(value) if sig is None else sig, bound)


_TM = "Part 4, filled template"

TICKETMASTER = Scenario(
    "ticketmaster", "Ticketmaster baseline", ScenarioModel.TICKETMASTER,
    "The core assumptions table and the filled napkin template, with the Taylor Swift on-sale as the hot event.",
    MappingProxyType({
        "total_users": G("200M", "similar to Ticketmaster/Eventbrite"),
        "dau": G("10M", "about 5% of registered users browse on a given day"),
        "searches_per_user": A(5, "the template's 50M searches a day over 10M DAU"),
        "bookings_per_day": G("500K", "successful purchases"),
        "booking_success_rate": G("30%", "70% of holds are abandoned or time out"),
        "payments_per_booking": G(1, "payments for each successful booking"),
        "peak_multiplier": G(10, "weekend / evening peak"),
        "extreme_multiplier": G(100, "a Taylor Swift-sized on-sale"),
        "events": G("500K", "sports, concerts, theatre, festivals"),
        "event_size": G("10 KB", "name, description, date, venue, image links"),
        "seats_per_event": G("10K", "average venue; 100 (theatre) to 100K (stadium)"),
        "seat_size": G("100 B", "id, section, row, number, price, status"),
        "booking_size": G("500 B", "user, event, seats, amount, status, timestamps"),
        "retention_years": G(5, "years bookings are kept"),
        "user_size": G("2 KB", "profile, email, payment methods, history"),
        "log_record_size": G("200 B", "one click/search/page-view record"),
        "log_retention_years": G(1, "years logs are kept"),
        "search_response_size": G("50 KB", "a page of search results"),
        "booking_request_size": G("10 KB", "a booking request"),
        "payment_request_size": G("5 KB", "a payment request"),
        "hot_event_fraction": G("1%", "trending events"),
        "popular_queries": G("10K", "cached search result pages"),
        "session_size": G("50 KB", "one booking in progress"),
        "peak_bookings_per_minute": G("10K", "during the Taylor Swift release"),
        "booking_attempt_time": G("10 min", "from search to payment"),
        "users": G("100K", "peak users on the hottest event"),
        "seats": G("50K", "seats in the Taylor Swift stadium"),
        "seats_per_booking": G(2.5, "average group size"),
        "lock_hold_time": G("5s", "database read + update under the lock"),
        "retry_rate": G(0.5, "one retry for every two successful locks"),
        "sale_window": A("30 min", "as in the Super Bowl problem; the source gives no window for this sale"),
        "throttle_rate": G("1K/min", "the waiting room lets 1K users a minute through"),
        "booking_hold": G("10 min", "business rule: a hold lasts ten minutes"),
        "lock_ttl": G("30s", "technical safeguard on the seat lock"),
        "http_call": A("10s", "the source's 3 s would give up before its own 5 s statement timeout; "
                           "a request must outlive the statements it waits for (finding timeout-cascade-inverted)"),
        "db_statement": G("5s", "statement timeout"),
    }),
    MappingProxyType({
        "searches_per_day": S(50e6, _TM, "Search/Browse Operations/Day: 50 M"),
        "booking_attempts_per_day": S(1.5e6, _TM, "Booking Attempts/Day: 1.5 M"),
        "successful_bookings_per_day": S(500e3, _TM, "Successful Bookings/Day: 500 K (30% success rate)"),
        "payments_per_day": S(500e3, _TM, "Payment Transactions/Day: 500 K"),
        "read_write_ratio": S(100, _TM, "Read:Write Ratio: 100:1"),
        "search_qps": S(500, _TM, "Search QPS = 50M ÷ 100K = 500 QPS"),
        "booking_qps": S(5, _TM, "Booking QPS = 500K ÷ 100K = 5 QPS"),
        "payment_qps": S(5, _TM, "Payment QPS = 500K ÷ 100K = 5 QPS"),
        "peak_qps": S(5_000, _TM, "Peak QPS = 500 × 10 = 5,000 QPS"),
        "extreme_peak_qps": S(50_000, _TM, "Extreme Peak = 500 × 100 = 50,000 QPS"),
        "peak_booking_qps": S(50, "Part 2, Rule #3", "Peak booking QPS: 5 × 10 = 50"),
        "extreme_booking_qps": S(500, "Part 2, Rule #3", "Taylor Swift release: 5 × 100 = 500"),
        "events_storage": S(5e9, _TM, "500K × 10 KB = 5 GB"),
        "total_seats": S(5e9, _TM, "500K events × 10K = 5 Billion seats"),
        "seats_storage": S(500e9, _TM, "5B × 100 bytes = 500 GB"),
        "total_bookings": S(912e6, _TM, "500K × 365 × 5 = 912 Million bookings"),
        "bookings_storage": S(456e9, _TM, "912M × 500 bytes = 456 GB ≈ 0.5 TB"),
        "users_storage": S(400e9, _TM, "200M × 2 KB = 400 GB"),
        "logs_storage": S(3.6e12, _TM, "50M × 365 × 1 year × 200 bytes = 3.6 TB"),
        "total_storage": S(5e12, _TM, "TOTAL STORAGE ≈ 5 TB"),
        "search_bandwidth": S(25e6, _TM, "500 QPS × 50 KB = 25 MB/s"),
        "booking_bandwidth": S(50e3, _TM, "5 QPS × 10 KB = 50 KB/s"),
        "payment_bandwidth": S(25e3, _TM, "5 QPS × 5 KB = 25 KB/s"),
        "peak_bandwidth": S(250e6, _TM, "25 MB/s × 10 = 250 MB/s ≈ 2 Gbps"),
        "hot_events": S(5e3, _TM, "1% of 500K events = 5K hot events"),
        "seat_map_size": S(100e3, _TM, "Each event + seat map: 10 KB + 100 KB"),
        "hot_events_cache": S(550e6, _TM, "5K × 110 KB = 550 MB"),
        "popular_searches_cache": S(500e6, _TM, "10K popular queries × 50 KB = 500 MB"),
        "concurrent_sessions": S(10e3, _TM, "Peak concurrent bookings: 10K users"),
        "sessions_cache": S(500e6, _TM, "10K users × 50 KB = 500 MB"),
        "total_cache": S(1.5e9, _TM, "Total Redis Cache ≈ 1.5 GB"),
        "contention_ratio": S(2, "Part 5, Technique 3", "100K users ÷ 50K seats = 2× oversubscription"),
        "lock_throughput_per_seat": S(0.2, "Cheat sheet, capacity formulas", "1 / 5s = 0.2 locks/sec per seat"),
        "lock_qps_ceiling": S(10e3, "Cheat sheet, capacity formulas", "50K seats × 0.2 = 10K bookings/sec"),
        "retry_adjusted_capacity": S(6.7e3, "Cheat sheet, capacity formulas", "10K / (1 + 0.5) = 6.7K bookings/sec"),
    }),
)

_TS = "Practical application: Taylor Swift"
TAYLOR_SWIFT = Scenario(
    "taylor-swift", "Taylor Swift concert release", ScenarioModel.ONSALE,
    "100K people rush 50K stadium seats; the waiting room lets 1K a minute through.",
    MappingProxyType({
        "users": G("100K", "concurrent users at release"),
        "seats": G("50K", "seats available"),
        "seats_per_booking": G(2.5, "the baseline's average group"),
        "sale_window": A("30 min", "the source gives no window; we take the Super Bowl's"),
        "retry_factor": A(2, "the Super Bowl problem's retry headroom"),
        "throttle_rate": G("1K/min", "queue throttles to 1K users a minute"),
        "event_size": G("10 KB", "one event record"),
        "seat_size": G("100 B", "one seat record"),
        "booking_size": G("500 B", "one booking record"),
        "lock_hold_time": G("5s", "as in the lock contention technique"),
        "retry_rate": G(0.5, "as in the capacity formulas"),
    }),
    MappingProxyType({
        "contention_ratio": S(2, _TS, "Contention ratio: 2:1"),
        "event_storage": S(10e3, _TS, "1 event × 10 KB = 10 KB"),
        "seats_storage": S(5e6, _TS, "50K seats × 100 bytes = 5 MB"),
        "bookings_storage": S(25e6, _TS, "Bookings: 50K × 500 bytes = 25 MB"),
        "lock_qps_ceiling": S(10e3, "Cheat sheet, capacity formulas", "50K seats × 0.2 = 10K bookings/sec"),
        "retry_adjusted_capacity": S(6.7e3, "Cheat sheet, capacity formulas", "10K / (1 + 0.5) = 6.7K"),
    }),
)

_SB = "Practice problem 1 (answer)"
SUPERBOWL = Scenario(
    "superbowl", "Super Bowl ticket release", ScenarioModel.ONSALE,
    "500K concurrent users for 50K seats on sale (of a 70K stadium), 4 seats per booking, 30 minutes.",
    MappingProxyType({
        "users": G("500K", "expected concurrent users"),
        "seats": G("50K", "tickets on sale; the other 20K of the 70K stadium are reserved"),
        "seats_per_booking": G(4, "average seats per booking"),
        "sale_window": G("30 min", "peak booking window"),
        "retry_factor": G(2, "retry headroom on the attempt rate"),
        "throttle_rate": G("100/s", "throttle that prevents a thundering herd"),
        "event_size": A("10 KB", "the baseline event record"),
        "seat_size": A("100 B", "the baseline seat record"),
        "booking_size": A("500 B", "the baseline booking record"),
        "lock_hold_time": A("5s", "the baseline lock hold"),
        "retry_rate": A(0.5, "the baseline retry rate"),
    }),
    MappingProxyType({
        "contention_ratio": S(10, _SB, "500K ÷ 50K = 10:1"),
        "successful_bookings": S(12.5e3, _SB, "50K seats ÷ 4 seats/booking = 12.5K bookings"),
        "booking_qps": S(7, _SB, "12.5K ÷ 1,800 = ~7 QPS (successful)"),
        "attempt_qps": S(70, _SB, "7 × 10 (contention) = 70 QPS (attempts)"),
        "booking_qps_capacity": S(140, _SB, "Add retry factor (×2): 140 QPS capacity needed"),
        "success_rate": S(0.025, _SB, "Only 12.5K out of 500K users (2.5% success rate)"),
        "waitlisted_users": S(487.5e3, _SB, "Need waitlist for remaining 487.5K users"),
        "admit_rate": S(278, _SB, "500K users ÷ 1,800 sec = 278 users/sec"),
        "sale_duration_seconds": S(5_000, _SB, "500K ÷ 100 = 5,000 sec ≈ 83 minutes"),
    }),
)

_BW = "Practice problem 2 (answer)"
BROADWAY = Scenario(
    "broadway", "Broadway show ticket system", ScenarioModel.SCHEDULE,
    "20 productions in 1,500-seat theatres, 8 shows a week, sold 3 months ahead; 50K concurrent users at peak.",
    MappingProxyType({
        "productions": G(20, "active productions"),
        "seats_per_show": G(1500, "theatre capacity"),
        "shows_per_week": G(8, "4 days × 2 shows"),
        "horizon_months": G(3, "average booking window"),
        "users": G("50K", "concurrent users at peak (Sunday morning announcements)"),
        "booking_time": G("5 min", "a theatre booking is quicker than a concert one"),
        "safety_factor": G(2, "capacity safety margin"),
        "seat_size": G("100 B", "one seat record"),
        "booking_size": G("500 B", "one booking record"),
        "seats_per_booking": G(1, "the source counts one booking per seat sold"),
        "retention_years": G(1, "bookings for one year"),
        "hot_shows": G(5, "new releases and hits cached"),
        "session_size": G("10 KB", "one user session"),
    }),
    MappingProxyType({
        "total_seats": S(2.88e6, _BW, "20 × 1,500 × 8 × 12 = 2.88M seats"),
        "peak_booking_qps": S(167, _BW, "50K ÷ (5 × 60) = 167 bookings/sec"),
        "booking_qps_capacity": S(334, _BW, "167 × 2 (safety) = 334 QPS"),
        "seats_storage": S(288e6, _BW, "2.88M × 100 bytes = 288 MB"),
        "bookings_storage": S(600e6, _BW, "1,500 × 8 × 52 × 20 × 500 bytes = 600 MB"),
        "total_storage": S(1e9, _BW, "Total: <1 GB (small system)", bound=True),
        "seat_map_cache": S(750e3, _BW, "5 × 1,500 × 100 bytes = 750 KB"),
        "session_cache": S(500e6, _BW, "50K users × 10 KB = 500 MB"),
        "total_cache": S(500e6, _BW, "Total cache: ~500 MB"),
    }),
)

SEASON = Scenario(
    "season-tickets", "Sports season tickets", ScenarioModel.SEASON,
    "An 82-game season, 41 of them at home in a 20K-seat arena, sold over weeks: low contention.",
    MappingProxyType({
        "games": G(82, "games in an NBA or NHL regular season"),
        "home_game_share": A("50%", "a team hosts half its games (41 of 82); the other half are sold by "
                                    "the visited teams' venues, so they are not this arena's seat-events"),
        "seats_per_show": G("20K", "arena seats"),
        "seat_size": A("100 B", "the baseline seat record"),
        "users": A("1K", "renewals spread over weeks: about a thousand people at once at most"),
        "seats_per_booking": A(2, "season tickets are mostly pairs"),
    }),
    MappingProxyType({
        "seat_events": S(1.6e6, "Practical application: season tickets", "82 games × 20K seats = 1.6M seat-events"),
    }),
)

_FC = "final challenge; every given but the headline is assumed"
OLYMPICS = Scenario(
    "olympics", "Olympics opening ceremony", ScenarioModel.ONSALE,
    "An 80K stadium and 5M people who want to be there.",
    MappingProxyType({
        "users": G("5M", "people who want tickets"),
        "seats": G("80K", "stadium capacity"),
        "seats_per_booking": A(2, "ceremony tickets are usually capped at a couple per buyer"),
        "sale_window": A("1 h", "a single national on-sale hour"),
        "retry_factor": A(2, "the Super Bowl's retry headroom"),
        "throttle_rate": A("200/s", "what one payment provider comfortably takes; still sells out in minutes"),
        "event_size": A("10 KB", "the baseline event record"),
        "seat_size": A("100 B", "the baseline seat record"),
        "booking_size": A("500 B", "the baseline booking record"),
        "lock_hold_time": A("5s", "the baseline lock hold"),
        "retry_rate": A(0.5, "the baseline retry rate"),
    }),
)
HAMILTON = Scenario(
    "hamilton", "Hamilton on Broadway", ScenarioModel.BLOCK_RELEASE,
    "One 1,400-seat theatre, a show almost every day, very high demand when a block of dates opens: "
    "the whole six-month block is one on-sale, gone in minutes.",
    MappingProxyType({
        "productions": G(1, "one production"),
        "seats_per_show": G(1400, "theatre capacity"),
        "shows_per_week": A(8, "'daily shows': six evenings and two matinees, the Broadway norm"),
        "horizon_months": A(6, "blocks of dates open about six months ahead"),
        "users": A("200K", "'very high demand': four times the Broadway problem's peak"),
        "booking_time": A("5 min", "as in the Broadway problem"),
        "safety_factor": A(2, "as in the Broadway problem"),
        "seat_size": A("100 B", "the baseline seat record"),
        "booking_size": A("500 B", "the baseline booking record"),
        "seats_per_booking": A(2.5, "the baseline group size"),
        "retention_years": A(1, "as in the Broadway problem"),
        "hot_shows": A(50, "the dates just released"),
        "session_size": A("10 KB", "as in the Broadway problem"),
        "sale_window": A("5 min", "the 200K arrive within one booking time: λ = L ÷ W, as in the Broadway answer"),
        "throttle_rate": A("1K/s", "caps admissions below the 1.33K/s the booking path is sized for; demand (667/s) stays under it, so nobody waits"),
        "lock_hold_time": A("5s", "the baseline lock hold"),
    }),
)
MOVIE_THEATER = Scenario(
    "movie-theater", "Local movie theater", ScenarioModel.SCHEDULE,
    "200 seats, 8 shows a day, moderate demand: the scale at which a single database is plenty.",
    MappingProxyType({
        "productions": A(1, "one screen"),
        "seats_per_show": G(200, "auditorium capacity"),
        "shows_per_week": G(56, "8 shows a day, 7 days"),
        "horizon_months": A(0.25, "sold about a week ahead"),
        "users": A(200, "'moderate demand': a Friday-evening peak of a couple of hundred people"),
        "booking_time": A("3 min", "pick a show and seats, pay"),
        "safety_factor": A(2, "as in the Broadway problem"),
        "seat_size": A("100 B", "the baseline seat record"),
        "booking_size": A("500 B", "the baseline booking record"),
        "seats_per_booking": A(2.5, "the baseline group size"),
        "retention_years": A(1, "one year of bookings"),
        "hot_shows": A(8, "today's shows"),
        "session_size": A("10 KB", "as in the Broadway problem"),
    }),
)
FESTIVAL = Scenario(
    "music-festival", "Three-day music festival", ScenarioModel.COUNTER,
    "100K passes for a 3-day festival on several stages; general admission, so a pass is one counter, not a seat: "
    "a booking is one conditional decrement, and no seat is locked.",
    MappingProxyType({
        "users": A("1M", "ten people for every pass in the first hour"),
        "seats": G("100K", "capacity in passes, read as 100K three-day passes (the source does not say "
                           "whether it means 100K a day)"),
        "seats_per_booking": A(2, "passes are bought in pairs"),
        "sale_window": A("1 h", "first-hour rush"),
        "retry_factor": A(2, "the Super Bowl's retry headroom"),
        "throttle_rate": A("250/s", "the booking path's comfortable rate"),
        "inventory_shards": A(1, "one row holds the passes left; shard it only if one row is too slow"),
        "counter_update_time": A("1 ms", "one durable conditional UPDATE; ticketlab's SQLite benchmark commits a "
                                         "hold and its confirm through the whole core in about 0.6 ms"),
        "lock_hold_time": A("5s", "the baseline seat-lock hold, to show what holding the counter that long does"),
        "event_size": A("10 KB", "the baseline event record"),
        "seat_size": A("100 B", "one pass record"),
        "booking_size": A("500 B", "the baseline booking record"),
    }),
)
AIRLINE = Scenario(
    "airline", "Airline seat selection", ScenarioModel.ONSALE,
    "300 seats and 1K people on the waitlist: the ratio rule says High, yet at a hundredth of a "
    "request per second one row lock (or a conditional update) is plenty. Contention is ratio and rate.",
    MappingProxyType({
        "users": G("1K", "people on the waitlist"),
        "seats": G(300, "seats on the plane"),
        "seats_per_booking": A(1, "each passenger picks one seat"),
        "sale_window": A("24 h", "check-in opens a day before departure"),
        "retry_factor": A(2, "the Super Bowl's retry headroom"),
        "throttle_rate": A("10/s", "no waiting room needed at this rate; a nominal throttle"),
        "event_size": A("10 KB", "one flight record"),
        "seat_size": A("100 B", "one seat record"),
        "booking_size": A("500 B", "one seat assignment"),
        "lock_hold_time": A("1s", "a single-row update"),
        "retry_rate": A(0.5, "the baseline retry rate"),
    }),
)

_FACT_TABLE = "Part 1, core assumptions table"

#: Figures the source prints that no scenario worksheet computes; the audit reads them by name.
SOURCE_FACTS: Mapping[str, SourceFigure] = MappingProxyType({
    "read_write_ratio": S(1000, _FACT_TABLE, "Read:Write Ratio 1000:1 (most browse, few actually book)"),
    "peak_multiplier": S(10, _FACT_TABLE, "Peak Traffic Multiplier 10x (major event releases spike dramatically)"),
    "events_created_per_day": S(5e3, _FACT_TABLE, "Events created/day 5K (promoters add new events)"),
    "peak_bookings_per_minute": S(10e3, _FACT_TABLE, "Peak bookings/minute 10K (during Taylor Swift release)"),
    "attempt_time": S(600, _FACT_TABLE, "Avg booking attempt time 10 min (from search to payment)"),
    "booking_qps_peak_metric": S(500, "Key metrics summary; Booking entity comment",
                                 "Booking QPS 5 (avg), 500 (peak); 'High write load: 5 QPS average, 500 QPS peak'"),
    "payment_qps_peak_metric": S(500, "Key metrics summary", "Payment QPS 5 (avg), 500 (peak): Stripe API rate limits"),
    "peak_repeat": S(100, "Repetition backed by emotion, #1", "Peak traffic is 100× average"),
    "peak_concurrent_users": S(100e3, "Key metrics summary", "Peak Concurrent Users 100K (virtual queue sizing)"),
    "lock_hold_metric": S(5, "Key metrics summary", "Lock Hold Time <5 sec", bound=True),
    "http_timeout": S(3, "Cheat sheet, timeout cascade", "HTTP timeout: 3 seconds (API response)"),
    "retry_attempts": S(3, "Cheat sheet, failure modes", "Lock acquisition fails → Retry 3 times, then waitlist"),
    "sweep_interval": S(60, "Part 7, BookingService", "Background job releases seats every minute"),
    "servers": S(100, "Mistake 1; Part 6 mind map; Part 8 ritual",
                 "'need 100 servers'; mind map 'Servers 100'; 'Can 100 servers handle 50K QPS? YES!'"),
    "mistake1_qps": S(500, "Mistake 1", "Taylor Swift spike is 500 QPS, need 100 servers + auto-scaling"),
    "mind_map_qps": S(5e3, "Part 6, mind map", "QPS 5K"),
    "ritual_qps": S(50e3, "Part 8, ritual item 8", "Can 100 servers handle 50K QPS? YES!"),
    "one_year_storage": S(1e12, "Quick reference: common system scale benchmarks", "TicketMaster … Storage (1yr): 1 TB"),
    "design_factor": S(10, "Part 5, Technique 2",
                       "Design for 10× more booking attempts than successful purchases!"),
    "funnel_searchers": S(100, "Part 5, Technique 2", "100 users search → 10 users try to book → 3 complete payment"),
    "funnel_attempts": S(10, "Part 5, Technique 2", "100 users search → 10 users try to book → 3 complete payment"),
    "funnel_payments": S(3, "Part 5, Technique 2", "100 users search → 10 users try to book → 3 complete payment"),
    "benchmark_dau": S(500e6, "Quick reference: common system scale benchmarks", "Instagram | 500M | 50K | 100 PB"),
    "benchmark_peak_qps": S(50e3, "Quick reference: common system scale benchmarks", "Instagram | 500M | 50K | 100 PB"),
})

SCENARIOS: Mapping[str, Scenario] = MappingProxyType({
    s.name: s for s in (TICKETMASTER, TAYLOR_SWIFT, SUPERBOWL, BROADWAY, SEASON,
                        OLYMPICS, HAMILTON, MOVIE_THEATER, FESTIVAL, AIRLINE)
})

#: The five final-challenge scenarios.
FINAL_CHALLENGE = ("olympics", "hamilton", "movie-theater", "music-festival", "airline")


def names() -> list[str]:
    return list(SCENARIOS)


def get(name: str) -> Scenario:
    """The scenario called ``name`` (``-`` and ``_`` are interchangeable); raises
    :class:`UnknownScenarioError` for any other name, or a value that is not a string."""
    key = name.strip().lower().replace("_", "-") if isinstance(name, str) else None
    if key not in SCENARIOS:
        raise UnknownScenarioError(f"no scenario named {name!r}; choose one of: {', '.join(SCENARIOS)}")
    return SCENARIOS[key]
