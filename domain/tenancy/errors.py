"""Tenancy's refusals."""
from domain.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError


class SlugTakenError(ConflictError):
    def __init__(self) -> None:
        super().__init__("A tenant with this slug already exists", {"slug": ["already taken"]})


class SlugShapedLikeIdError(InvalidError):
    def __init__(self) -> None:
        super().__init__("Field 'slug' must not be a UUID", {"slug": ["must not be a UUID"]})


class TenantNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("Tenant not found")


class NotATenantMemberError(ForbiddenError):
    def __init__(self) -> None:
        super().__init__("You are not a member of this tenant")


class NotATenantOwnerError(ForbiddenError):
    def __init__(self) -> None:
        super().__init__("Only an owner of this tenant may do this")


class MemberNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("Member not found")


class UserNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("User not found")


class AlreadyMemberError(ConflictError):
    def __init__(self) -> None:
        super().__init__("The user is already a member with this role",
                         {"user_id": ["already a member"]})


class LastOwnerError(ConflictError):
    def __init__(self) -> None:
        super().__init__("A tenant must keep at least one owner")
