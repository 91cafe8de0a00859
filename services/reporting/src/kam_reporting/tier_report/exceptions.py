from kam_shared.errors import Conflict


class MixedCurrencies(Conflict):
    def __init__(self, currencies: list[str]) -> None:
        super().__init__(
            f"revenue is held in several currencies ({', '.join(currencies)}); it cannot be summed",
            extensions={"currencies": currencies},
        )
        self.currencies = currencies
