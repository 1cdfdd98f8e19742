import pytest
from django.db import transaction


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One fixture world per module, rolled back at its end; each test runs in a savepoint inside it."""
    from tests.security.world import build

    with django_db_blocker.unblock(), transaction.atomic():
        yield build()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _fresh_cache_in_english(settings):
    """Rate-limit counters live in the cache; assertions read English messages."""
    from django.core.cache import cache

    cache.clear()
    settings.LANGUAGE_CODE = "en"
    # Hashing is not under test; the module world was hashed with the default hasher before this fixture ran.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    yield
    cache.clear()
