"""One measured figure with its reference from the same run."""

from dataclasses import asdict, dataclass


@dataclass
class Figure:
    name: str
    value: float | int
    unit: str
    reference: float | None = None
    reference_name: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.reference:
            return None
        return self.value / self.reference

    def line(self) -> str:
        value = f"{self.value:,}" if isinstance(self.value, int) else f"{self.value:,.1f}"
        text = f"{self.name}: {value} {self.unit}"
        if self.ratio is not None:
            text += f" ({self.ratio:.2f}x vs {self.reference_name} {self.reference:,.1f})"
        return text

    def as_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio}
