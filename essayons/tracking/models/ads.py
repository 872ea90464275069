"""Ad spend: Meta Ads Manager imports, Insights API sync, manual entries."""

__all__: list[str] = []
