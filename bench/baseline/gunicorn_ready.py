"""gunicorn settings for bench/http.py: say when each worker has loaded its app.

gunicorn answers from the first worker ready; the bench waits for every one
(loading the service's app replays the store) before it measures.
"""


def post_worker_init(worker):
    worker.log.info("bench: processus prêt")
