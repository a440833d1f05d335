"""Commerce's refusals."""
from __future__ import annotations

from domain.errors import InsufficientStockError, InvalidError


class StockShortError(InsufficientStockError):
    def __init__(self, shortages: list[str]) -> None:
        super().__init__("Insufficient stock", {"items": shortages})


class InvalidPriceError(InvalidError):
    def __init__(self) -> None:
        super().__init__("Field 'price' must be a non-negative amount with at most 2 decimals",
                         {"price": ["must be >= 0 with at most 2 decimal places"]})
