"""Real-time ingestion: events through Kafka and Spark Structured Streaming into bronze, silver
and gold, exactly once, with dead letters.

- contracts: jobs.model.contracts (JSON Schema per event type and version)
- topics.py: topic names (as in modules/kafka_topics), dead-letter topics
- producer.py, sources.py, events.py: the idempotent producer, replay and synthetic streams
- job.py, batch.py, classify.py: the streaming job, one micro-batch, the rules per record
- progress.py, layout.py, dead_letters.py, lag.py: watermark, where data goes, DLQ, lag
- status.py, segment.py, cli.py: `rtdp stream status|demo|produce|run|start|stop|health|supervise`
- background.py, health.py, supervisor.py: the job in the background, its health, restarts

See docs/streaming.md.
"""
