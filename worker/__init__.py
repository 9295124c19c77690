"""The job-running process: poll loop, generators, vision and post-processing."""
