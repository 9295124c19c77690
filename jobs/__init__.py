"""The job table and its state machine: enqueue, claim, heartbeat, finish."""
