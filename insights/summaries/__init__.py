"""After-contact summaries: issue, actions taken, outcome, follow-ups; by the LLM, or extractive without one."""
