class MixedCurrencies(Exception):
    def __init__(self, currencies: list[str]) -> None:
        super().__init__(f"revenue is held in several currencies ({', '.join(currencies)}); it cannot be summed")
        self.currencies = currencies
