import os

import pytest
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

# WebsocketCommunicator.disconnect() waits 1 s for the consumer by default, then cancels it
# and returns while its (shielded) clean-up may still run: on a busy machine, a test that
# then checks what the clean-up did (group left, presence row deleted) would race it. Wait
# as long as it takes, within a generous bound.
_communicator_disconnect = WebsocketCommunicator.disconnect


async def _patient_disconnect(self, code=1000, timeout=30):
    return await _communicator_disconnect(self, code, timeout)


WebsocketCommunicator.disconnect = _patient_disconnect

PASSWORD = "pw-123456789"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    # Several suites may share one PostgreSQL server at once: give each run its own test database.
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "postgresql" in db["ENGINE"]:
        db.setdefault("TEST", {})["NAME"] = f"test_{db['NAME']}_chat_{os.getpid()}"


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    # Each test gets a new layer instance (the in-memory layer keeps groups in memory;
    # redis connection pools are bound to the event loop of the test).
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def make_user(django_user_model):
    def make(username, **extra):
        return django_user_model.objects.create_user(username=username, password=PASSWORD, **extra)

    return make
