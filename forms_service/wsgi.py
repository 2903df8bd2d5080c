"""The WSGI entry point gunicorn loads: ``forms_service.wsgi:app``."""

import gc
import logging

from . import create_app
from .services import services
from .storage import StorageError

app = create_app()

# gunicorn imports this in each worker, after forking: open the store now, while
# the worker boots, so its first participant does not wait for the replay. If
# the data cannot be opened, the site still serves its pages and the forms
# answer 503 until it can (each request tries again).
try:
    services(app).repo()
except StorageError:
    logging.getLogger(__name__).exception("données illisibles au démarrage du processus")

# What the worker has loaded (modules, the store's records) lives as long as it
# does: keep it out of the collector's full passes, which would otherwise walk
# every stored document again and again.
gc.freeze()
