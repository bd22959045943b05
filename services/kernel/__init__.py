"""The shared kernel every HoSo service imports: nothing domain-specific lives here."""
