"""Real-time ingestion: events through Kafka and Spark Structured Streaming into bronze, silver
and gold, exactly once, with dead letters.

- contracts: jobs.model.contracts (JSON Schema per event type and version)
- topics.py: topic names (as in modules/kafka_topics), dead-letter topics
- producer.py, sources.py, events.py: the idempotent producer, replay and synthetic streams
- job.py, batch.py, classify.py, key_rules.py: the streaming job, one micro-batch, the rules per record
- recent_keys.py, silver_keys.py: the keys the rules compare against (the stream's own, the batch's)
- progress.py, freshness.py, layout.py, dead_letters.py, lag.py: watermark and freshness, where
  data goes, DLQ, lag
- compaction.py: micro-batch files rewritten into one, and how readers list them
- status.py, segment.py, cli.py: `rtdp stream status|compact|demo|produce|run|start|stop|health|supervise`
- background.py, health.py, supervisor.py: the job in the background, its health, restarts

See docs/streaming.md.
"""
