"""`tessera populate`: realistic demo data, written through the domain like any command.

Every row is an aggregate built by its own constructor (so by the same rules and into the same
events as the HTTP commands) and stored by its context's application, a thousand aggregates
per `save()`: one transaction each, so a million comments take minutes, not hours. Without
Kafka the read models are then brought up to date here; with Kafka the relay and the
projectors carry the events as usual. Populated users sign in with `PASSWORD`.
"""
from __future__ import annotations

import json
import multiprocessing
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from domain.acting import acting_as
from domain.catalog.application import CatalogApplication
from domain.catalog.author import Author
from domain.catalog.book import Book
from domain.catalog.comment import Comment
from domain.catalog.tag import Tag
from domain.commerce.application import CommerceApplication
from domain.commerce.product import Product
from domain.courses.application import CoursesApplication
from domain.courses.course import Course
from domain.identity.application import IdentityApplication
from domain.identity.user import EmailClaim, User
from infra.config import Settings
from infra.passwords import hash_password
from infra.runtime import Runtime
from projectors.runtime import catch_up

PASSWORD = "populate-password"
BATCH = 1000


def words(text: str) -> list[str]:
    return text.split()


FIRST = words("Ada Alan Anna Boris Chloe Dmitri Elena Farah Grace Hugo Ines Jonas Kemal Lena Maya Nia "
              "Omar Priya Quentin Rosa Sven Tariq Uma Viktor Wen Yara Zoe Mateo Lucia Kenji")
LAST = words("Adams Berg Costa Dubois Eriksen Fischer Garcia Haddad Ivanova Jensen Kowalski Larsen "
             "Moreau Nakamura Okafor Petrov Quinn Rossi Silva Tanaka Umarov Varga Weber Xu Yilmaz "
             "Zielinski Novak Sato Moreno Lindqvist")
ADJECTIVES = words("ancient bright silent golden hidden secret broken crimson distant forgotten gentle "
                   "hollow iron lost midnight northern pale quiet restless scarlet velvet wild "
                   "wandering autumn burning frozen tender bitter endless glass")
NOUNS = words("river mountain shadow garden winter ocean stone storm city kingdom journey empire island "
              "forest desert harbor castle bridge tower valley dream memory promise whisper flame song "
              "letter map key mirror crown raven rose star moon sea house night")
TAGS = words("fiction history science fantasy mystery romance thriller biography poetry drama philosophy "
             "travel cooking art music business economics politics psychology health sports nature "
             "technology programming mathematics physics chemistry biology medicine law religion "
             "education children young-adult horror humor classics comics crime adventure war western "
             "memoir essays design photography film languages linguistics finance")
TOPICS = words("Python Django JavaScript TypeScript React SQL PostgreSQL Rust Go Kubernetes Docker "
               "Statistics Algebra Photography Drawing Guitar Piano Spanish German Marketing "
               "Accounting Leadership Cooking Yoga Chess Writing Linux Networking")
COURSE_TITLES = ("Introduction to {}", "Advanced {}", "Practical {}", "Mastering {}", "{} for Beginners",
                 "{} in 30 Days", "{} Bootcamp", "The Complete {} Course")
OPINIONS = ("A {} read about a {} {}.", "The {} ending of this {} {} stayed with me.",
            "Not my favourite: too {} and the {} {} drags.", "I loved the {} {} {}, read it twice.")


class Saver:
    """Collects aggregates and saves them a batch at a time, advancing a progress bar.

    One batch is stored (by a helper thread, in order) while the next is being built, so the
    store's round trips overlap the Python work.
    """

    def __init__(self, app: Any, advance: Callable[[int], None], storing: ThreadPoolExecutor) -> None:
        self.app, self.advance, self.storing = app, advance, storing
        self.pending: list[Any] = []
        self.items = 0
        self.in_flight: Future[Any] | None = None

    def add(self, aggregate: Any, *others: Any) -> Any:
        """Queue one item (an aggregate and any it needs saved with it); returns the aggregate."""
        self.pending.extend((aggregate, *others))
        self.items += 1
        if len(self.pending) >= BATCH:
            self.flush()
        return aggregate

    def flush(self) -> None:
        self.wait()
        if self.pending:
            self.in_flight = self.storing.submit(self.app.save, *self.pending)
            self.advance(self.items)
            self.pending, self.items = [], 0

    def wait(self) -> None:
        """Until the batch in flight is stored (raising its failure, if any)."""
        if self.in_flight is not None:
            self.in_flight.result()
            self.in_flight = None


class Populate:
    def __init__(self, runtime: Runtime, progress: Progress, rng: random.Random) -> None:
        self.runtime, self.progress, self.rng = runtime, progress, rng
        self.timings: dict[str, float] = {}
        self.storing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="populate-save")

    @contextmanager
    def phase(self, name: str, total: int, app_class: type) -> Iterator[Saver]:
        task = self.progress.add_task(name, total=total)
        started = time.perf_counter()
        saver = Saver(self.runtime.app(app_class), lambda n: self.progress.advance(task, n), self.storing)
        yield saver
        saver.flush()
        saver.wait()
        self.progress.update(task, completed=total)
        self.timings[name] = round(time.perf_counter() - started, 2)

    def users(self, count: int) -> list[uuid.UUID]:
        password_hash, run = hash_password(PASSWORD), uuid.uuid4().hex[:6]
        with self.phase("users", count, IdentityApplication) as saver:
            return [self.user(saver, password_hash, f"{run}{n}") for n in range(count)]

    def user(self, saver: Saver, password_hash: str, suffix: str) -> uuid.UUID:
        first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
        user = User(f"{first}.{last}.{suffix}@example.com".lower(), password_hash, first, last,
                    email_confirmed=True)
        return saver.add(user, EmailClaim(user.email, user.id)).id

    def authors(self, count: int, users: list[uuid.UUID]) -> list[uuid.UUID]:
        with self.phase("authors", count, CatalogApplication) as saver:
            return [self.acting(users, lambda: saver.add(Author(
                f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}")).id) for _ in range(count)]

    def tags(self, count: int, admin: uuid.UUID | None) -> list[uuid.UUID]:
        names = (TAGS + [f"topic-{n}" for n in range(len(TAGS), count)])[:count]
        catalog = self.runtime.app(CatalogApplication)
        with self.phase("tags", count, CatalogApplication) as saver, acting_as(admin):
            for name in names:
                if not catalog.exists(Tag.id_for(name)):
                    saver.add(Tag(name))
        return [Tag.id_for(name) for name in names]

    def books(self, count: int, authors: list[uuid.UUID], tags: list[uuid.UUID],
              users: list[uuid.UUID]) -> list[uuid.UUID]:
        with self.phase("books", count, CatalogApplication) as saver:
            return [self.acting(users, lambda: saver.add(Book(
                self.title(), self.rng.choice(authors), self.some(tags, 0, 3))).id) for _ in range(count)]

    def title(self) -> str:
        adjective, noun = self.rng.choice(ADJECTIVES).title(), self.rng.choice(NOUNS).title()
        if self.rng.random() < 0.5:
            return f"The {adjective} {noun}"
        return f"{self.rng.choice(NOUNS).title()} of the {adjective} {noun}"

    def comments(self, count: int, books: list[uuid.UUID], users: list[uuid.UUID]) -> None:
        """Skewed like real interest: a few books get most comments (popularity ~ r²)."""
        popularity = self.rng.sample(books, len(books))
        with self.phase("comments", count, CatalogApplication) as saver:
            for _ in range(count if books else 0):
                book, user = popularity[int(len(popularity) * self.rng.random() ** 2)], self.rng.choice(users)
                with acting_as(user):
                    saver.add(Comment(book, user, self.opinion()))

    def opinion(self) -> str:
        words = self.rng.choice(ADJECTIVES), self.rng.choice(ADJECTIVES), self.rng.choice(NOUNS)
        return self.rng.choice(OPINIONS).format(*words).capitalize()

    def courses(self, count: int, tags: list[uuid.UUID], admin: uuid.UUID | None) -> None:
        """About 15% free; others 5–300; starting over 2025–2026; one to three tags."""
        with self.phase("courses", count, CoursesApplication) as saver, acting_as(admin):
            for _ in range(count):
                topic, free = self.rng.choice(TOPICS), self.rng.random() < 0.15
                price = Decimal(0) if free else Decimal(self.rng.randint(500, 30000)) / 100
                start = date(2025, 1, 1) + timedelta(days=self.rng.randint(0, 729))
                saver.add(Course.plan(
                    self.rng.choice(COURSE_TITLES).format(topic), f"Learn {topic} step by step.",
                    price, free, start, self.some(tags, 1, 3)))

    def products(self, count: int, admin: uuid.UUID | None) -> None:
        with self.phase("products", count, CommerceApplication) as saver, acting_as(admin):
            for _ in range(count):
                name = f"{self.rng.choice(ADJECTIVES).title()} {self.rng.choice(NOUNS).title()} Lamp"
                saver.add(Product(name, Decimal(self.rng.randint(100, 20000)) / 100, 1_000_000))

    def some(self, ids: list[uuid.UUID], low: int, high: int) -> list[uuid.UUID]:
        return self.rng.sample(ids, min(len(ids), self.rng.randint(low, high)))

    def acting(self, users: list[uuid.UUID], make: Callable[[], Any]) -> Any:
        with acting_as(self.rng.choice(users) if users else None):
            return make()

    @contextmanager
    def projecting(self, settings: Settings) -> Iterator[None]:
        """Bring the read models along while writing (embedded mode: no relay, no projector).

        Another process applies the log as it grows, so writing and projecting use both cores
        (and PostgreSQL works on both at once); when the writing is done it catches up to the end.
        """
        spawn = multiprocessing.get_context("spawn")
        finished, reached = spawn.Event(), spawn.Value("q", 0)
        follower = spawn.Process(target=follow_log, args=(settings, finished, reached), daemon=True)
        follower.start()
        task = self.progress.add_task("read models")
        try:
            yield
        finally:
            finished.set()
            started = time.perf_counter()
            while follower.is_alive():
                follower.join(0.2)
                head = self.runtime.recorder.inner.max_notification_id() or 0
                self.progress.update(task, total=head, completed=reached.value)
            self.timings["read models after writing"] = round(time.perf_counter() - started, 2)
        if follower.exitcode != 0:
            raise RuntimeError(f"applying the log to the read models failed (exit {follower.exitcode})")


def follow_log(settings: Settings, finished: Any, reached: Any) -> None:
    """The follower process: apply the log as it grows; once `finished`, up to its end."""
    runtime = Runtime(settings).open_storage()
    recorder = runtime.recorder.inner
    try:
        while True:
            last_round = finished.is_set()
            head = recorder.max_notification_id() or 0
            while reached.value < head:
                reached.value, _ = catch_up(recorder, runtime.store, runtime.projections, batch_size=2000,
                                            stop=min(head, reached.value + 20_000), push=False)
            if last_round:
                return
            finished.wait(0.5)
    finally:
        runtime.store.close()


def admin_id(runtime: Runtime, settings: Settings) -> uuid.UUID | None:
    found = settings.admin_email and runtime.app(IdentityApplication).user_by_email(settings.admin_email)
    return found.id if found else None


def write(data: Populate, args: Any, admin: uuid.UUID | None) -> None:
    users = data.users(args.users) or ([admin] if admin else [])
    authors, tags = data.authors(args.authors, users), data.tags(args.tags, admin)
    books = data.books(args.books if authors else 0, authors, tags, users)
    data.comments(args.comments if users else 0, books, users)
    data.courses(args.courses, tags, admin)
    data.products(args.products, admin)


def run(settings: Settings, args: Any) -> int:
    if settings.is_production and not args.force:
        print(f"tessera: populate makes confirmed users who sign in with the published password "
              f"{PASSWORD!r}; refused with TESSERA_ENV=production (--force to do it anyway)",
              file=sys.stderr)
        return 2
    runtime = Runtime(settings).open_storage()
    progress = Progress(TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=Console(stderr=True))
    started = time.perf_counter()
    try:
        with progress:
            data = Populate(runtime, progress, random.Random(42))
            with nullcontext() if settings.uses_kafka else data.projecting(settings):
                write(data, args, admin_id(runtime, settings))
    finally:
        runtime.store.close()
    print(json.dumps({"seconds": round(time.perf_counter() - started, 2), "phases": data.timings,
                      "events": runtime.recorder.max_notification_id(), "password": PASSWORD}))
    return 0
