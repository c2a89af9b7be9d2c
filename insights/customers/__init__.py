"""Customer and sales intelligence: money amounts and price roles, preferences, lead and churn scores, journeys."""
