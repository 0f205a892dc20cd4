"""The KPI read side: bucket keys and zones, figures by range, insights, forecasts, fact rows."""
