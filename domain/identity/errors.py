"""Identity's refusals."""
from domain.errors import ConflictError, UnauthorizedError


class EmailTakenError(ConflictError):
    def __init__(self) -> None:
        super().__init__("A user with this email already exists", {"email": ["already registered"]})


class InvalidCredentialsError(UnauthorizedError):
    def __init__(self) -> None:
        super().__init__("Invalid email or password")
