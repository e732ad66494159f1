"""One measured figure with its reference from the same run."""

from dataclasses import asdict, dataclass


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    reference: float | None = None
    reference_name: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.reference:
            return None
        return self.value / self.reference

    def line(self) -> str:
        text = f"{self.name}: {self.value:,.1f} {self.unit}"
        if self.ratio is not None:
            text += f" ({self.ratio:.2f}x vs {self.reference_name} {self.reference:,.1f})"
        return text

    def as_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio}
