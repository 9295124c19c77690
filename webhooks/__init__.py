"""Signed webhooks to brokerages' systems: endpoints, deliveries and the dispatcher process."""
