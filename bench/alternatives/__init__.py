"""What a user could build instead with other Python stacks: the optional baselines (issue 8).

Each module here is one stack, run as two processes: a front answering ``POST /sum`` (the form
``wstoken=…&a=…&b=…`` of :mod:`bench.bare`) that looks the token up with one Redis GET and asks a
separate worker process for ``a + b`` over RabbitMQ, answering ``{"sum": a + b}``:

* :mod:`.aiopika_rpc`: aiohttp + ``aio_pika.patterns.RPC`` (main ``.venv``);
* :mod:`.nameko_rpc`: a nameko HTTP-entrypoint service calling a nameko RPC service;
* :mod:`.faststream_rpc`: aiohttp + FastStream's RabbitMQ request/reply;
* :mod:`.celery_rpc`: aiohttp + Celery (RabbitMQ broker, ``rpc://`` results), through threads.

The last three need ``.venv-alt`` (``requirements-bench-alt.txt``). Every module runs as
``python -m bench.alternatives.<stack> front|worker`` and is configured by :mod:`.common`
(stdlib only, so that any venv can import it). :mod:`.harness` starts, checks and stops them,
and deletes their AMQP objects; ``bench/run.py`` measures them when ``BENCH_ALT=1``.
"""
