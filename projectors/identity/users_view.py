"""The `users` read model: profiles, access levels, and what token checks need."""
from __future__ import annotations

from infra.envelope import Envelope
from projectors.projection import Projection, Writer, on

PROFILE_FIELDS = ("first_name", "last_name", "phone", "gender", "date_of_birth", "avatar_url")


class UsersView(Projection):
    name = "users"
    contexts = ("identity",)
    tables = {
        "users": """CREATE TABLE IF NOT EXISTS users (
            id TEXT PRIMARY KEY, email TEXT NOT NULL, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
            phone TEXT, gender TEXT, date_of_birth TEXT, avatar_url TEXT,
            access_level TEXT NOT NULL, email_confirmed BOOLEAN NOT NULL, is_active BOOLEAN NOT NULL,
            date_joined TEXT NOT NULL, token_version INTEGER NOT NULL, search TEXT NOT NULL)""",
    }
    indexes = (
        "CREATE UNIQUE INDEX IF NOT EXISTS users_email ON users (email)",
        "CREATE INDEX IF NOT EXISTS users_joined ON users (date_joined)",
    )

    @on("UserRegistered")
    def registered(self, event: Envelope, w: Writer) -> None:
        d = event.data
        w.execute(
            "INSERT INTO users (id, email, first_name, last_name, phone, gender, date_of_birth, avatar_url,"
            " access_level, email_confirmed, is_active, date_joined, token_version, search)"
            " VALUES (:id, :email, :first_name, :last_name, :phone, :gender, :dob, NULL, :level, :confirmed,"
            " :active, :joined, 1, :search)",
            {"id": event.aggregate_id_text, "email": d["email"], "first_name": d["first_name"],
             "last_name": d["last_name"], "phone": d.get("phone"), "gender": d.get("gender"),
             "dob": d.get("date_of_birth"), "level": d.get("access_level", "user"),
             "confirmed": bool(d.get("email_confirmed")), "active": True, "joined": event.timestamp_text,
             "search": search_text(d["email"], d["first_name"], d["last_name"])},
        )

    @on("UserEmailConfirmed")
    def email_confirmed(self, event: Envelope, w: Writer) -> None:
        w.execute("UPDATE users SET email_confirmed = :yes WHERE id = :id",
                  {"yes": True, "id": event.aggregate_id_text})

    @on("UserProfileUpdated")
    def profile_updated(self, event: Envelope, w: Writer) -> None:
        changes = {k: v for k, v in event.data["changes"].items() if k in PROFILE_FIELDS}
        if not changes:
            return
        row = w.fetch_one("SELECT email, first_name, last_name FROM users WHERE id = :id",
                          {"id": event.aggregate_id_text})
        if row is None:
            return
        names = {"first_name": row["first_name"], "last_name": row["last_name"], **changes}
        assignments = ", ".join(f"{field} = :{field}" for field in sorted(changes))
        w.execute(f"UPDATE users SET {assignments}, search = :search WHERE id = :id",
                  {**changes, "id": event.aggregate_id_text,
                   "search": search_text(row["email"], names["first_name"], names["last_name"])})

    @on("UserAccessLevelChanged")
    def access_level_changed(self, event: Envelope, w: Writer) -> None:
        w.execute("UPDATE users SET access_level = :level WHERE id = :id",
                  {"level": event.data["access_level"], "id": event.aggregate_id_text})

    @on("UserPasswordChanged")
    def password_changed(self, event: Envelope, w: Writer) -> None:
        w.execute("UPDATE users SET token_version = token_version + 1 WHERE id = :id",
                  {"id": event.aggregate_id_text})

    @on("UserDeactivated")
    def deactivated(self, event: Envelope, w: Writer) -> None:
        w.execute("UPDATE users SET is_active = :no, token_version = token_version + 1 WHERE id = :id",
                  {"no": False, "id": event.aggregate_id_text})


def search_text(email: str, first_name: str, last_name: str) -> str:
    """What `?search=` matches: lower-cased in Python, as SQLite's lower() knows only ASCII."""
    return f"{email}\n{first_name}\n{last_name}".lower()
