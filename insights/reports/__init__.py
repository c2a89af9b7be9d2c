"""Reports: trend numbers, emerging topics, the loss-reason digest, the nightly report record and its pages."""
