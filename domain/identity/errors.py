"""Identity's refusals."""
from domain.errors import ConflictError, ForbiddenError, InvalidError, UnauthorizedError


class EmailTakenError(ConflictError):
    def __init__(self) -> None:
        super().__init__("A user with this email already exists", {"email": ["already registered"]})


class InvalidCredentialsError(UnauthorizedError):
    def __init__(self) -> None:
        super().__init__("Invalid email or password")


class InvalidMailTokenError(InvalidError):
    """A confirmation or reset token that is malformed, expired, or already used."""

    def __init__(self) -> None:
        super().__init__("The token is invalid or has expired", {"token": ["invalid or expired"]})


class RefreshRejectedError(UnauthorizedError):
    def __init__(self, message: str = "Invalid or expired refresh token") -> None:
        super().__init__(message)


class RefreshReusedError(RefreshRejectedError):
    """A rotated refresh token came back: the session is revoked (it may have been stolen)."""

    def __init__(self) -> None:
        super().__init__("This refresh token was already used; the session is revoked")


class NotAdminError(ForbiddenError):
    def __init__(self) -> None:
        super().__init__("Only an admin may change access levels")


class OwnAccessLevelError(ForbiddenError):
    def __init__(self) -> None:
        super().__init__("Admins cannot change their own access level")


class UnknownAccessLevelError(InvalidError):
    def __init__(self, levels: tuple[str, ...]) -> None:
        super().__init__("Unknown access level",
                         {"access_level": [f"must be one of {', '.join(levels)}"]})


class NothingToUpdateError(InvalidError):
    def __init__(self) -> None:
        super().__init__("No field to update was given", {"body": ["give at least one field"]})


class FutureBirthDateError(InvalidError):
    def __init__(self) -> None:
        super().__init__("Field 'date_of_birth' must not be in the future",
                         {"date_of_birth": ["must not be in the future"]})
