import os

import pytest

# Tokens in tests use a fixed throwaway key; real keys come only from the environment.
os.environ.setdefault("PLATFORM_PII_KEY", "test-only-key-0123456789abcdef")
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")

from resources.lake import LocalLake  # noqa: E402
from resources.pii import PiiKey  # noqa: E402
from resources.warehouse import EmbeddedWarehouse  # noqa: E402
from tests.postgres_server import free_port  # noqa: E402


@pytest.fixture
def lake(tmp_path) -> LocalLake:
    return LocalLake(root=str(tmp_path / "lake"))


@pytest.fixture
def warehouse(tmp_path) -> EmbeddedWarehouse:
    return EmbeddedWarehouse(path=str(tmp_path / "warehouse.duckdb"))


@pytest.fixture
def pii() -> PiiKey:
    return PiiKey(key=os.environ["PLATFORM_PII_KEY"])


def embedded_resources(root, warehouse=None) -> dict:
    """The embedded default's resources under `root`, for tests that build their own (module-scoped) platform."""
    from resources.spark import LocalSpark

    warehouse = warehouse or EmbeddedWarehouse(path=str(root / "warehouse.duckdb"))
    return {"lake": LocalLake(root=str(root / "lake")), "warehouse": warehouse, "pii": PiiKey(key=os.environ["PLATFORM_PII_KEY"]), "spark": LocalSpark()}


@pytest.fixture
def resources(lake, warehouse, pii) -> dict:
    from resources.spark import LocalSpark

    return {"lake": lake, "warehouse": warehouse, "pii": pii, "spark": LocalSpark()}


@pytest.fixture(scope="session")
def moto_endpoint():
    """A real S3 HTTP endpoint (moto's server) for the whole test session."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL for the Redshift-compatible warehouse path, started for the session."""
    from tests.postgres_server import PostgresServer

    server = PostgresServer(free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def postgres_warehouse(postgres_server, request):
    """A PostgresWarehouse on a database of its own, so tests never see each other's tables."""
    from resources.sql_warehouse import PostgresWarehouse

    name = "test_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]
    return PostgresWarehouse(**postgres_server.create_database(name), backoff_seconds=0.05)
